"""Properties that hold for every combination of answers, checked with hypothesis.

Favourability, from the cadre's side, worst to best:

    INSUFFICIENT                    0  no recommendation: nothing in the cadre's favour can be relied on
    OUT_OF_SCOPE, NOT_TOLERATED     1  accountability proceeds in full (ordinary handling, or tolerance refused)
    REDUCED                         2  tolerated, with lighter or reduced accountability and correction tasks
    EXEMPT                          3  no accountability, but correction tasks are required
    NOT_PURSUED                     4  duty was performed; no accountability and nothing to correct
    NO_FAULT                        5  this individual is not at fault at all

INSUFFICIENT sits at the bottom because an unknown must never count in the cadre's favour: a gap in
the file has to be filled, never rewarded. The two "accountability proceeds" outcomes share a rank; the
properties below never need to tell them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.fault_tolerance import PROCEDURE, Answer, Assessment, Note, Outcome, Step, assess

from .scenarios import (
    AGGRAVATING,
    CONTEXT,
    CORE,
    FACTORS,
    GATES,
    RULESET,
    SCOPE,
    TOLERABLE_GROUNDS,
    clean,
)

FAVOURABILITY = {
    Outcome.INSUFFICIENT: 0,
    Outcome.OUT_OF_SCOPE: 1,
    Outcome.NOT_TOLERATED: 1,
    Outcome.REDUCED: 2,
    Outcome.EXEMPT: 3,
    Outcome.NOT_PURSUED: 4,
    Outcome.NO_FAULT: 5,
}
DECIDING_STEP = {
    Outcome.OUT_OF_SCOPE: {Step.SCOPE},
    Outcome.NOT_TOLERATED: {Step.GATES, Step.GROUNDS, Step.CORE},
    Outcome.NO_FAULT: {Step.NO_FAULT},
    Outcome.NOT_PURSUED: {Step.NOT_PURSUED},
    Outcome.REDUCED: {Step.CORE, Step.FACTORS},
    Outcome.EXEMPT: {Step.FACTORS},
    Outcome.INSUFFICIENT: set(PROCEDURE),
}
ALLOWED = {criterion.id: [answer.value for answer in criterion.allowed_answers] for criterion in RULESET}
DEFINITE = {criterion_id: [v for v in values if v != Answer.UNKNOWN] for criterion_id, values in ALLOWED.items()}

# Uniformly random answers rarely get past the scope and the ten gates. So most examples pass the
# first steps on the clean EXEMPT path and answer everything from a chosen step on at random, with a
# few changes anywhere: that reaches every step and every outcome often.
STAGES = (SCOPE, (*GATES, "X1"), ("T4",), ("T5",), TOLERABLE_GROUNDS, CORE, FACTORS)
fully_random = st.fixed_dictionaries({cid: st.sampled_from(values) for cid, values in ALLOWED.items()})
change = st.sampled_from(RULESET.ids).flatmap(lambda cid: st.tuples(st.just(cid), st.sampled_from(ALLOWED[cid])))


@st.composite
def staged(draw: st.DrawFn) -> dict[str, str]:
    first_random = draw(st.integers(0, len(STAGES) - 1))
    answers = clean()
    for ids in (*STAGES[first_random:], CONTEXT, AGGRAVATING):
        for cid in ids:
            # The clean answer weighs double, so later steps are still reached now and then.
            answers[cid] = draw(st.sampled_from([answers[cid], *ALLOWED[cid]]))
    answers.update(draw(st.lists(change, max_size=2)))
    return answers


answer_sets = st.one_of(staged(), staged(), staged(), fully_random)
definite_change = st.sampled_from(RULESET.ids).flatmap(
    lambda cid: st.tuples(st.just(cid), st.sampled_from(DEFINITE[cid]))
)
near_clean_complete = st.lists(definite_change, max_size=6).map(lambda changes: clean(**dict(changes)))
completions = st.fixed_dictionaries({cid: st.sampled_from(values) for cid, values in DEFINITE.items()})


def run(answers: Mapping[str, str]) -> Assessment:
    return assess(RULESET, answers)


def definite_ids(answers: Mapping[str, str]) -> list[str]:
    return [cid for cid in RULESET.ids if answers.get(cid, "unknown") != "unknown"]


def gate_hit(answers: Mapping[str, str]) -> bool:
    """A gate answered yes that may count (G4 unless X1 is yes)."""
    return any(answers.get(gate) == "yes" and (gate != "G4" or answers.get("X1") != "yes") for gate in GATES)


def certain_gate_hit(answers: Mapping[str, str]) -> bool:
    """A gate that counts whatever the unknowns turn out to be (G4 only once X1 is answered no)."""
    return any(answers.get(gate) == "yes" and (gate != "G4" or answers.get("X1") == "no") for gate in GATES)


def spec(answers: Mapping[str, str]) -> Outcome:
    """The spec's procedure read literally, for answer sets with no `unknown` in them."""
    if any(answers[s] == "no" for s in SCOPE):
        return Outcome.OUT_OF_SCOPE
    if gate_hit(answers):
        return Outcome.NOT_TOLERATED
    if answers["T4"] == "yes":
        return Outcome.NO_FAULT
    if answers["T5"] == "yes":
        return Outcome.NOT_PURSUED
    if not any(answers[t] == "yes" for t in TOLERABLE_GROUNDS):
        return Outcome.NOT_TOLERATED
    if any(answers[c] == "no" for c in CORE):
        return Outcome.NOT_TOLERATED
    if any(answers[c] == "partly" for c in CORE):
        return Outcome.REDUCED
    if any(answers[f] == "unfavourable" for f in FACTORS):
        return Outcome.REDUCED
    return Outcome.EXEMPT


@settings(max_examples=300)
@given(answer_sets)
def test_assessing_never_raises_for_allowed_answers_and_always_fills_the_contract(answers: dict[str, str]) -> None:
    data = run(answers).to_dict()

    assert set(data) == {"outcome", "aggravated", "requires_correction", "missing", "trace", "reasons", "ruleset"}
    assert data["outcome"] in {outcome.value for outcome in Outcome}


@settings(max_examples=300)
@given(completions)
def test_complete_answers_give_exactly_the_outcome_the_spec_procedure_gives(answers: dict[str, str]) -> None:
    assert run(answers).outcome is spec(answers)


@settings(max_examples=300)
@given(near_clean_complete)
def test_complete_answers_near_the_clean_path_match_the_spec_too(answers: dict[str, str]) -> None:
    assert run(answers).outcome is spec(answers)


@settings(max_examples=300)
@given(answer_sets, st.data())
def test_unknown_never_helps_the_cadre(answers: dict[str, str], data: st.DataObject) -> None:
    answered = definite_ids(answers)
    if not answered:
        return
    criterion_id = data.draw(st.sampled_from(answered))
    before = run(answers)

    after = run({**answers, criterion_id: "unknown"})

    assert FAVOURABILITY[after.outcome] <= FAVOURABILITY[before.outcome]
    # Stronger: forgetting an answer either changes nothing or leaves the matter open.
    assert after.outcome in (before.outcome, Outcome.INSUFFICIENT)


@settings(max_examples=300)
@given(answer_sets, completions)
def test_a_decided_outcome_holds_however_the_unknown_answers_turn_out(
    answers: dict[str, str], completion: dict[str, str]
) -> None:
    before = run(answers)
    if before.outcome is Outcome.INSUFFICIENT:
        return
    completed = {cid: answers[cid] if answers[cid] != "unknown" else completion[cid] for cid in RULESET.ids}

    assert run(completed).outcome is before.outcome


@settings(max_examples=300)
@given(answer_sets)
def test_missing_ids_are_exactly_there_when_the_outcome_is_insufficient(answers: dict[str, str]) -> None:
    result = run(answers)

    assert bool(result.missing) == (result.outcome is Outcome.INSUFFICIENT)
    assert list(result.missing) == sorted(set(result.missing))
    assert all(answers[cid] == "unknown" for cid in result.missing)
    assert not set(result.missing) & {*CONTEXT, *AGGRAVATING}


@settings(max_examples=300)
@given(answer_sets, completions)
def test_answering_the_missing_ids_moves_the_assessment_on(answers: dict[str, str], completion: dict[str, str]) -> None:
    before = run(answers)
    if before.outcome is not Outcome.INSUFFICIENT:
        return
    stuck_at = before.trace[-1].step

    after = run({**answers, **{cid: completion[cid] for cid in before.missing}})

    # Either the step now decides or passes, or (G4 answered yes) it asks for something new: never the same ids.
    if after.outcome is Outcome.INSUFFICIENT and after.trace[-1].step is stuck_at:
        assert not set(after.missing) & set(before.missing)


@settings(max_examples=300)
@given(answer_sets)
def test_a_gate_hit_never_ends_in_anything_favourable(answers: dict[str, str]) -> None:
    result = run(answers)

    if gate_hit(answers):
        assert result.outcome in (Outcome.OUT_OF_SCOPE, Outcome.INSUFFICIENT, Outcome.NOT_TOLERATED)
        if all(answers[s] == "yes" for s in SCOPE) and certain_gate_hit(answers):
            assert result.outcome is Outcome.NOT_TOLERATED


@settings(max_examples=300)
@given(answer_sets)
def test_the_trace_follows_the_procedure_order_and_stops_at_the_deciding_step(answers: dict[str, str]) -> None:
    result = run(answers)
    procedure = [step for step in result.trace if step.step in PROCEDURE]
    notes = result.trace[len(procedure) :]

    assert [step.step for step in procedure] == list(PROCEDURE[: len(procedure)])
    assert all(step.result is Note.CONTINUE for step in procedure[:-1])
    assert procedure[-1].result is result.outcome
    assert procedure[-1].step in DECIDING_STEP[result.outcome]
    if result.outcome is Outcome.NOT_TOLERATED:
        assert [note.step for note in notes] == [Step.AGGRAVATION]
    elif result.requires_correction:
        assert [note.step for note in notes] == [Step.CONTEXT]
    else:
        assert notes == ()


@settings(max_examples=300)
@given(answer_sets)
def test_aggravation_and_correction_follow_the_outcome(answers: dict[str, str]) -> None:
    result = run(answers)

    assert result.aggravated == (
        result.outcome is Outcome.NOT_TOLERATED and any(answers[a] == "yes" for a in AGGRAVATING)
    )
    assert result.requires_correction == (result.outcome in (Outcome.EXEMPT, Outcome.REDUCED))


@settings(max_examples=300)
@given(answer_sets, st.randoms(use_true_random=False))
def test_the_assessment_is_deterministic_whatever_the_key_order(answers: dict[str, str], rng: Random) -> None:
    keys = list(answers)
    rng.shuffle(keys)

    assert run(answers).to_dict() == run({key: answers[key] for key in keys}).to_dict()
    assert run(answers) == run(answers)


@settings(max_examples=300)
@given(answer_sets)
def test_reasons_are_parallel_and_end_with_the_conclusion(answers: dict[str, str]) -> None:
    reasons = run(answers).reasons

    assert len(reasons.zh) == len(reasons.en) >= 2
    assert reasons.zh[-1].startswith("结论：")
    assert reasons.en[-1].startswith("Conclusion: ")
    assert all(sentence.endswith(("。", "）")) for sentence in reasons.zh)
    assert all(sentence.endswith(".") for sentence in reasons.en)
