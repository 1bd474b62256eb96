"""The decision procedure, step by step, as the spec (domain/FAULT_TOLERANCE.md) states it."""

from __future__ import annotations

import json

import pytest

from cases.fault_tolerance import PROCEDURE, AnswerError, Assessment, Note, Outcome, Step, assess

from .scenarios import AGGRAVATING, CORE, FACTORS, GATES, RULESET, TOLERABLE_GROUNDS, clean, without


def run(answers: dict[str, str]) -> Assessment:
    return assess(RULESET, answers)


def steps(assessment: Assessment) -> list[str]:
    return [step.step.value for step in assessment.trace]


# --- the clean path ----------------------------------------------------------------------------------


def test_a_clean_matter_runs_every_step_and_is_exempt() -> None:
    result = run(clean())

    assert result.outcome is Outcome.EXEMPT
    assert result.missing == ()
    assert result.requires_correction is True
    assert result.aggravated is False
    assert steps(result) == [*PROCEDURE, Step.CONTEXT]
    assert [step.result for step in result.trace[:-2]] == [Note.CONTINUE] * 6
    assert result.trace[-2].result is Outcome.EXEMPT


# --- step 1: scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scope_id", ["S1", "S2"])
def test_a_scope_criterion_answered_no_puts_the_matter_out_of_scope(scope_id: str) -> None:
    result = run(clean(**{scope_id: "no"}))

    assert result.outcome is Outcome.OUT_OF_SCOPE
    assert steps(result) == ["scope"]
    assert result.requires_correction is False


def test_out_of_scope_is_decided_even_when_the_other_scope_answer_is_unknown() -> None:
    assert run({"S1": "no"}).outcome is Outcome.OUT_OF_SCOPE
    assert run({"S1": "unknown", "S2": "no"}).outcome is Outcome.OUT_OF_SCOPE


def test_out_of_scope_wins_over_a_gate_hit_because_scope_comes_first() -> None:
    assert run(clean(S2="no", G1="yes", A1="yes")).outcome is Outcome.OUT_OF_SCOPE
    assert run(clean(S2="no", G1="yes", A1="yes")).aggravated is False


def test_an_unknown_scope_answer_asks_for_it() -> None:
    result = run(clean(S1="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("S1",)
    assert steps(result) == ["scope"]


def test_an_empty_answer_set_asks_for_the_scope_first() -> None:
    result = run({})

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("S1", "S2")


# --- step 2: gates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("gate_id", [gate for gate in GATES if gate != "G4"])
def test_any_gate_answered_yes_is_not_tolerated(gate_id: str) -> None:
    result = run(clean(**{gate_id: "yes"}))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert steps(result) == ["scope", "gates", "aggravation"]
    assert result.requires_correction is False


def test_a_gate_hit_is_not_tolerated_even_with_dissent_force_majeure_and_every_principle_met() -> None:
    result = run(clean(G2="yes", T4="yes", T5="yes", T2="yes"))

    assert result.outcome is Outcome.NOT_TOLERATED


def test_a_gate_hit_decides_although_other_gates_are_unanswered() -> None:
    answers = {"S1": "yes", "S2": "yes", "G8": "yes"}

    result = run(answers)

    assert result.outcome is Outcome.NOT_TOLERATED
    assert result.missing == ()


def test_g4_without_the_emergency_exception_is_not_tolerated() -> None:
    result = run(clean(G4="yes", X1="no"))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert any("X1" in sentence for sentence in result.reasons.en)


def test_an_emergency_decision_reported_next_day_clears_g4() -> None:
    # A flood: the section head ordered the evacuation on the spot and reported it the next morning.
    result = run(clean(G4="yes", X1="yes"))

    assert result.outcome is Outcome.EXEMPT
    gates = result.trace[1]
    assert gates.step is Step.GATES
    assert "X1" in gates.criteria
    assert dict(gates.answers)["X1"] == "yes"
    assert any("G4" in s and "X1" in s and "紧急情况临机处置且事后及时报告" in s for s in result.reasons.zh)
    assert any("counts as proper procedure" in s for s in result.reasons.en)


def test_the_emergency_exception_does_not_clear_any_other_gate() -> None:
    assert run(clean(G4="yes", X1="yes", G3="yes")).outcome is Outcome.NOT_TOLERATED
    assert run(clean(X1="yes", G2="yes")).outcome is Outcome.NOT_TOLERATED


def test_the_emergency_exception_does_not_answer_c2_for_the_reviewer() -> None:
    # X1 only neutralises G4; whether the procedure was compliant is still the reviewer's C2.
    assert run(clean(G4="yes", X1="yes", C2="no")).outcome is Outcome.NOT_TOLERATED
    result = run(clean(G4="yes", X1="yes", C2="unknown"))
    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("C2",)


def test_g4_with_the_exception_unanswered_asks_for_x1() -> None:
    result = run(clean(G4="yes", X1="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("X1",)
    assert steps(result) == ["scope", "gates"]


def test_g4_with_the_exception_unanswered_is_still_not_tolerated_when_another_gate_is_hit() -> None:
    assert run(clean(G4="yes", X1="unknown", G7="yes")).outcome is Outcome.NOT_TOLERATED


def test_an_unanswered_gate_asks_for_it_even_when_everything_else_favours_the_cadre() -> None:
    result = run(clean(G9="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("G9",)


def test_unanswered_gates_and_an_unanswered_exception_are_asked_together() -> None:
    result = run(clean(G4="yes", X1="unknown", G2="unknown", G10="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("G10", "G2", "X1")


def test_an_unanswered_g4_is_asked_for_but_x1_only_once_g4_is_yes() -> None:
    assert run(clean(G4="unknown", X1="unknown")).missing == ("G4",)
    assert run(clean(G4="unknown", X1="yes")).missing == ("G4",)
    assert run(clean(G4="no", X1="unknown")).outcome is Outcome.EXEMPT


def test_every_gate_left_out_asks_for_all_of_them() -> None:
    result = run(without(clean(), *GATES))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == tuple(sorted(GATES))


# --- step 3: dissent (T4) ----------------------------------------------------------------------------


def test_a_dissenter_is_not_at_fault_even_with_a_large_unrecovered_loss() -> None:
    # Bob voted against the project in the collective decision and had it minuted; it lost 30 million.
    result = run(clean(T4="yes", F3="unfavourable", T1="no", C2="partly"))

    assert result.outcome is Outcome.NO_FAULT
    assert result.requires_correction is False
    assert steps(result) == ["scope", "gates", "no_fault"]


def test_an_unanswered_dissent_is_asked_for_before_anything_less_favourable_is_decided() -> None:
    result = run(clean(T4="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("T4",)


def test_an_unanswered_dissent_is_asked_for_even_when_force_majeure_holds() -> None:
    # The first step that could decide is step 3; step 4 is not reached while step 3 is open.
    result = run(clean(T4="unknown", T5="yes"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("T4",)


# --- step 4: force majeure (T5) ----------------------------------------------------------------------


def test_force_majeure_after_duty_was_performed_is_not_pursued() -> None:
    # The embankment was inspected on schedule; a once-in-a-century flood breached it.
    result = run(clean(T5="yes", T1="no", F3="unfavourable"))

    assert result.outcome is Outcome.NOT_PURSUED
    assert result.requires_correction is False
    assert steps(result) == ["scope", "gates", "no_fault", "not_pursued"]


def test_dissent_comes_before_force_majeure() -> None:
    assert run(clean(T4="yes", T5="yes")).outcome is Outcome.NO_FAULT


def test_an_unanswered_force_majeure_is_asked_for() -> None:
    result = run(clean(T5="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("T5",)


# --- step 5: tolerance grounds -----------------------------------------------------------------------


@pytest.mark.parametrize("ground_id", TOLERABLE_GROUNDS)
def test_any_one_tolerance_ground_opens_the_way_to_tolerance(ground_id: str) -> None:
    answers = clean(**dict.fromkeys(TOLERABLE_GROUNDS, "no"))
    answers[ground_id] = "yes"

    assert run(answers).outcome is Outcome.EXEMPT


def test_no_tolerance_ground_is_not_tolerated() -> None:
    result = run(clean(T1="no"))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert steps(result) == ["scope", "gates", "no_fault", "not_pursued", "grounds", "aggravation"]


def test_no_confirmed_ground_with_some_unanswered_asks_for_the_unanswered_ones() -> None:
    result = run(clean(T1="no", T3="unknown", T7="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("T3", "T7")


def test_one_confirmed_ground_is_enough_even_with_others_unanswered() -> None:
    assert run(clean(T2="unknown", T3="unknown", T6="unknown", T7="unknown")).outcome is Outcome.EXEMPT


# --- step 6: core conditions -------------------------------------------------------------------------


@pytest.mark.parametrize("core_id", CORE)
def test_a_core_condition_not_met_is_not_tolerated(core_id: str) -> None:
    result = run(clean(**{core_id: "no"}))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert steps(result)[-2:] == ["core", "aggravation"]


@pytest.mark.parametrize("core_id", CORE)
def test_a_core_condition_partly_met_is_reduced(core_id: str) -> None:
    result = run(clean(**{core_id: "partly"}))

    assert result.outcome is Outcome.REDUCED
    assert result.requires_correction is True
    assert steps(result)[-2:] == ["core", "context"]


def test_a_core_condition_not_met_outweighs_another_partly_met() -> None:
    assert run(clean(C1="partly", C3="no")).outcome is Outcome.NOT_TOLERATED


def test_a_core_condition_not_met_decides_although_another_is_unanswered() -> None:
    result = run(clean(C1="no", C2="unknown"))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert result.missing == ()


def test_a_partly_met_condition_with_another_unanswered_asks_before_reducing() -> None:
    # The unanswered one could be `no`, which would make it NOT_TOLERATED.
    result = run(clean(C1="partly", C3="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("C3",)


def test_partly_met_reduces_without_reading_the_factors() -> None:
    result = run(clean(C2="partly", F1="unknown", F5="unknown"))

    assert result.outcome is Outcome.REDUCED
    assert "factors" not in steps(result)


# --- step 7: weighed factors -------------------------------------------------------------------------


@pytest.mark.parametrize("factor_id", FACTORS)
def test_an_unfavourable_factor_reduces_instead_of_exempting(factor_id: str) -> None:
    result = run(clean(**{factor_id: "unfavourable"}))

    assert result.outcome is Outcome.REDUCED
    assert result.trace[-2].step is Step.FACTORS


def test_neutral_factors_still_exempt() -> None:
    assert run(clean(**dict.fromkeys(FACTORS, "neutral"))).outcome is Outcome.EXEMPT


def test_an_unfavourable_factor_decides_although_others_are_unanswered() -> None:
    result = run(clean(F3="unfavourable", F1="unknown", F5="unknown"))

    assert result.outcome is Outcome.REDUCED
    assert result.missing == ()


def test_unanswered_factors_are_asked_for_before_exempting() -> None:
    result = run(clean(F5="unknown", F2="unknown"))

    assert result.outcome is Outcome.INSUFFICIENT
    assert result.missing == ("F2", "F5")


@pytest.mark.parametrize("value", ["favourable", "neutral", "unfavourable", "unknown"])
def test_context_criteria_never_decide_and_are_never_missing(value: str) -> None:
    for base in (clean(), clean(C1="partly"), clean(F3="unfavourable"), clean(T1="no")):
        expected = run(base)
        result = run({**base, "F6": value, "F7": value})
        assert result.outcome is expected.outcome
        assert result.missing == expected.missing


def test_recorded_context_is_cited_in_a_reduced_decision() -> None:
    result = run(clean(C2="partly", F7="favourable"))

    assert any(s.startswith("F7「纠错态度与配合调查」记录为有利") for s in result.reasons.zh)
    assert result.trace[-1].step is Step.CONTEXT
    assert result.trace[-1].criteria == ("F6", "F7")


# --- aggravation -------------------------------------------------------------------------------------


def test_a_gate_hit_with_an_aggravating_circumstance_is_aggravated() -> None:
    # Charlie took kickbacks (G1) and then coached witnesses (A2).
    result = run(clean(G1="yes", A2="yes"))

    assert result.outcome is Outcome.NOT_TOLERATED
    assert result.aggravated is True
    assert result.trace[-1].step is Step.AGGRAVATION
    assert result.trace[-1].result is Note.AGGRAVATED
    assert any("A2" in s and "从重" in s for s in result.reasons.zh)


@pytest.mark.parametrize("aggravating_id", AGGRAVATING)
def test_any_aggravating_circumstance_aggravates_a_not_tolerated_outcome(aggravating_id: str) -> None:
    assert run(clean(T1="no", **{aggravating_id: "yes"})).aggravated is True


def test_aggravation_needs_a_definite_yes() -> None:
    result = run(clean(G1="yes", **dict.fromkeys(AGGRAVATING, "unknown")))

    assert result.aggravated is False
    assert result.missing == ()
    assert any("A1" in s and "unanswered" in s for s in result.reasons.en)


@pytest.mark.parametrize(
    "changes",
    [{}, {"C1": "partly"}, {"T4": "yes"}, {"T5": "yes"}, {"S1": "no"}, {"G3": "unknown"}],
)
def test_only_a_not_tolerated_outcome_is_ever_aggravated(changes: dict[str, str]) -> None:
    result = run(clean(**changes, **dict.fromkeys(AGGRAVATING, "yes")))

    assert result.outcome is not Outcome.NOT_TOLERATED
    assert result.aggravated is False


# --- answers -----------------------------------------------------------------------------------------


def test_a_criterion_left_out_counts_as_unknown() -> None:
    for criterion_id in ("S1", "G5", "X1", "T4", "T5", "C2", "F4"):
        assert run(without(clean(), criterion_id)) == run(clean(**{criterion_id: "unknown"}))


def test_assess_rejects_an_unknown_criterion() -> None:
    with pytest.raises(AnswerError, match="unknown criterion 'G11'"):
        run({**clean(), "G11": "yes"})


def test_assess_rejects_a_value_the_criterion_does_not_take() -> None:
    with pytest.raises(AnswerError, match="'partly' is not allowed for G1"):
        run(clean(G1="partly"))


# --- the contract's shape ----------------------------------------------------------------------------


def test_to_dict_has_exactly_the_contract_keys_and_is_json() -> None:
    data = run(clean(C1="partly")).to_dict()

    assert set(data) == {"outcome", "aggravated", "requires_correction", "missing", "trace", "reasons", "ruleset"}
    assert data["outcome"] == "REDUCED"
    assert data["ruleset"] == "zigong-v1"
    assert set(data["reasons"]) == {"zh", "en"}
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_each_trace_entry_names_the_step_the_criteria_it_read_and_its_result() -> None:
    data = run(clean(G4="yes", X1="yes")).to_dict()

    gates = data["trace"][1]
    assert gates == {
        "step": "gates",
        "criteria": ["G1", "G2", "G3", "G4", "X1", "G5", "G6", "G7", "G8", "G9", "G10"],
        "answers": {**dict.fromkeys(GATES, "no"), "G4": "yes", "X1": "yes"},
        "result": "continue",
    }


def test_reasons_come_in_parallel_chinese_and_english_and_end_with_the_conclusion() -> None:
    for answers in (clean(), clean(S1="no"), clean(G1="yes", A1="yes"), clean(T4="unknown"), clean(C3="partly")):
        reasons = run(answers).reasons
        assert len(reasons.zh) == len(reasons.en) >= 2
        assert reasons.zh[-1].startswith("结论：")
        assert reasons.en[-1].startswith("Conclusion: ")


def test_reasons_quote_the_wording_and_cite_the_basis() -> None:
    result = run(clean(G2="yes"))

    assert "G2「明知故犯、主观故意」" in result.reasons.zh[1]
    assert "（依据：“三个区分开来”（2016））" in result.reasons.zh[1]
    assert "G2 “knowing or intentional violation”" in result.reasons.en[1]
    assert "(basis: the “three distinctions” (2016))" in result.reasons.en[1]


def test_a_dissent_reason_cites_article_17() -> None:
    result = run(clean(T4="yes"))

    assert any("T4" in s and "《中国共产党问责条例》(2019) 第十七条" in s for s in result.reasons.zh)
    assert any("T4" in s and "Art. 17" in s for s in result.reasons.en)


def test_an_insufficient_conclusion_names_the_missing_ids() -> None:
    result = run(clean(T1="no", T3="unknown", T7="unknown"))

    assert result.reasons.zh[-1] == "结论：信息不足，须补充回答T3、T7后才能提出建议。"
    assert "T3, T7 must be answered" in result.reasons.en[-1]


def test_the_assessment_is_deterministic() -> None:
    answers = clean(G4="yes", X1="yes", C1="partly", F7="favourable")

    assert run(answers) == run(dict(reversed(answers.items())))
    assert run(answers).to_dict() == run(answers).to_dict()
