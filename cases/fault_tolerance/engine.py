"""The decision procedure: answers in, a recommendation with its trace and reasons out.

The steps run in the spec's order and the first step that decides, decides. Each step is written so
that it decides only when every way of answering its `unknown` criteria would give the same result;
when the result could still go either way, the outcome is INSUFFICIENT and `missing` names exactly the
unknown answers that could change it. That is how "an unknown never counts in the cadre's favour" is
kept: a step never guesses, in either direction.

Semantics chosen where the spec leaves room:
- `partly` on a core condition means the principle was substantially but not fully met (say, a
  collective decision with a late report). It does not bar tolerance as `no` does, but it rules out
  full exemption, so step 6 decides REDUCED without reading the factors.
- X1 only neutralises G4. C2 ("procedurally compliant ... or X1") is the reviewer's own answer: its
  wording tells the reviewer that a promptly reported emergency decision counts as compliant, but the
  engine never fills C2 in from X1.
- Aggravation is marked only on a definite `yes`: it is a charge against the cadre and must be
  established. Unanswered aggravating criteria are named in the reasons.
- Context criteria (F6, F7) never decide and are never missing; when answered they are recorded in the
  reasons of an EXEMPT or REDUCED outcome, where they bear on how light the decision is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import reasons
from .answers import parse_answers
from .model import Answer, Criterion, GroundEffect, Group, Ruleset, Text


class Outcome(StrEnum):
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    INSUFFICIENT = "INSUFFICIENT"
    NOT_TOLERATED = "NOT_TOLERATED"
    NO_FAULT = "NO_FAULT"
    NOT_PURSUED = "NOT_PURSUED"
    EXEMPT = "EXEMPT"
    REDUCED = "REDUCED"


class Step(StrEnum):
    SCOPE = "scope"
    GATES = "gates"
    NO_FAULT = "no_fault"
    NOT_PURSUED = "not_pursued"
    GROUNDS = "grounds"
    CORE = "core"
    FACTORS = "factors"
    # Notes read after the deciding step; they never change the outcome.
    AGGRAVATION = "aggravation"
    CONTEXT = "context"


class Note(StrEnum):
    """The result of a trace entry that does not decide."""

    CONTINUE = "continue"
    AGGRAVATED = "aggravated"
    NOT_AGGRAVATED = "not_aggravated"
    RECORDED = "recorded"


Answers = Mapping[str, Answer]

CORRECTION_REQUIRED = frozenset({Outcome.EXEMPT, Outcome.REDUCED})


@dataclass(frozen=True)
class TraceStep:
    """One step taken: the criteria it read, with their answers, and what it concluded."""

    step: Step
    answers: tuple[tuple[str, Answer], ...]
    result: Outcome | Note

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(criterion_id for criterion_id, _ in self.answers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "criteria": list(self.criteria),
            "answers": {criterion_id: answer.value for criterion_id, answer in self.answers},
            "result": self.result.value,
        }


@dataclass(frozen=True)
class Reasons:
    """Parallel sentences: `zh[i]` and `en[i]` say the same thing."""

    zh: tuple[str, ...]
    en: tuple[str, ...]

    @classmethod
    def of(cls, texts: Sequence[Text]) -> Reasons:
        return cls(zh=tuple(text.zh for text in texts), en=tuple(text.en for text in texts))


@dataclass(frozen=True)
class Assessment:
    ruleset: str
    outcome: Outcome
    aggravated: bool
    missing: tuple[str, ...]
    trace: tuple[TraceStep, ...]
    reasons: Reasons

    @property
    def requires_correction(self) -> bool:
        # A tolerated error is still an error: the decision cannot be recorded without a correction task.
        return self.outcome in CORRECTION_REQUIRED

    def to_dict(self) -> dict[str, Any]:
        """Exactly the command-line contract's JSON object."""
        return {
            "outcome": self.outcome.value,
            "aggravated": self.aggravated,
            "requires_correction": self.requires_correction,
            "missing": list(self.missing),
            "trace": [step.to_dict() for step in self.trace],
            "reasons": {"zh": list(self.reasons.zh), "en": list(self.reasons.en)},
            "ruleset": self.ruleset,
        }


def assess(ruleset: Ruleset, answers: Mapping[str, str]) -> Assessment:
    """Recommend an outcome for `answers` under `ruleset`. Pure and deterministic.

    Criteria left out of `answers` count as `unknown`. Raises AnswerError (from parse_answers) for an
    unknown criterion id or a value that criterion does not take.
    """
    given = parse_answers(ruleset, answers)
    trace, texts, verdict = _run_procedure(ruleset, given)
    outcome = verdict.outcome
    if outcome is None:  # pragma: no cover - the factors step always decides
        raise AssertionError("the last step of the procedure must decide")

    aggravated = False
    if outcome is Outcome.NOT_TOLERATED:
        aggravated, note, note_texts = _aggravation(ruleset, given)
        trace.append(note)
        texts.extend(note_texts)
    elif outcome in CORRECTION_REQUIRED:
        note, note_texts = _context(ruleset, given)
        trace.append(note)
        texts.extend(note_texts)

    missing = tuple(sorted(set(verdict.missing)))
    texts.append(_conclusion(outcome, missing=missing, aggravated=aggravated))
    return Assessment(
        ruleset=ruleset.name,
        outcome=outcome,
        aggravated=aggravated,
        missing=missing,
        trace=tuple(trace),
        reasons=Reasons.of(texts),
    )


def _run_procedure(ruleset: Ruleset, given: Answers) -> tuple[list[TraceStep], list[Text], _Verdict]:
    """Run the steps in order until one decides; return the trace, the sentences and the deciding verdict."""
    trace: list[TraceStep] = []
    texts: list[Text] = []
    verdict = _Verdict(None)
    for step, run in _PROCEDURE:
        verdict = run(ruleset, given)
        texts.extend(verdict.reasons)
        trace.append(_trace(step, _read(ruleset, step), given, verdict.outcome or Note.CONTINUE))
        if verdict.outcome is not None:
            break
    return trace, texts, verdict


def _aggravation(ruleset: Ruleset, given: Answers) -> tuple[bool, TraceStep, list[Text]]:
    aggravating = ruleset.in_group(Group.AGGRAVATING)
    applying = _with(aggravating, given, Answer.YES)
    texts = [reasons.aggravating_applies(criterion) for criterion in applying]
    unknown = _with(aggravating, given, Answer.UNKNOWN)
    if unknown and not applying:
        # Not a gap that blocks the outcome, but the reviewer should see the check was incomplete.
        texts.append(reasons.aggravating_unanswered(unknown))
    note = Note.AGGRAVATED if applying else Note.NOT_AGGRAVATED
    return bool(applying), _trace(Step.AGGRAVATION, aggravating, given, note), texts


def _context(ruleset: Ruleset, given: Answers) -> tuple[TraceStep, list[Text]]:
    context = ruleset.in_group(Group.CONTEXT)
    texts = [
        reasons.context_recorded(criterion, given[criterion.id])
        for criterion in context
        if given[criterion.id] is not Answer.UNKNOWN
    ]
    return _trace(Step.CONTEXT, context, given, Note.RECORDED), texts


# --- the steps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    """What one step concluded. `outcome` None means the step does not decide and the next one runs."""

    outcome: Outcome | None
    missing: tuple[str, ...] = ()
    reasons: tuple[Text, ...] = ()


def _scope(ruleset: Ruleset, given: Answers) -> _Verdict:
    scope = ruleset.in_group(Group.SCOPE)
    # A single `no` settles it whatever the other scope answers are.
    failed = _with(scope, given, Answer.NO)
    if failed:
        return _Verdict(Outcome.OUT_OF_SCOPE, reasons=(reasons.scope_not_met(failed),))
    unknown = _with(scope, given, Answer.UNKNOWN)
    if unknown:
        return _insufficient(unknown, reasons.scope_unanswered(unknown))
    return _Verdict(None, reasons=(reasons.scope_met(scope),) if scope else ())


def _gates(ruleset: Ruleset, given: Answers) -> _Verdict:
    gates = ruleset.in_group(Group.GATE)
    hits: list[Text] = []
    excepted: list[Text] = []
    undecided: list[tuple[Criterion, list[Criterion]]] = []
    for gate in gates:
        if given[gate.id] is not Answer.YES:
            continue
        exceptions = ruleset.exceptions_to(gate.id)
        applying = _with(exceptions, given, Answer.YES)
        if applying:
            excepted.append(reasons.gate_excepted(gate, applying))
            continue
        unknown_exceptions = _with(exceptions, given, Answer.UNKNOWN)
        if unknown_exceptions:
            # G4 yes with X1 unknown: whether G4 counts hangs on X1.
            undecided.append((gate, unknown_exceptions))
            continue
        hits.append(reasons.gate_hit(gate, exceptions))

    # One gate that certainly counts decides, even with other gates unanswered: no answer to them
    # could make the error tolerable again.
    if hits:
        return _Verdict(Outcome.NOT_TOLERATED, reasons=(*excepted, *hits))

    unknown_gates = _with(gates, given, Answer.UNKNOWN)
    if unknown_gates or undecided:
        texts = list(excepted)
        if unknown_gates:
            texts.append(reasons.gates_unanswered(unknown_gates))
        texts.extend(reasons.exception_unanswered(gate, unknown) for gate, unknown in undecided)
        missing = [gate.id for gate in unknown_gates]
        missing.extend(exception.id for _, unknown in undecided for exception in unknown)
        return _Verdict(Outcome.INSUFFICIENT, missing=tuple(missing), reasons=tuple(texts))

    clear = (reasons.gates_clear(gates, some_excepted=bool(excepted)),) if gates else ()
    return _Verdict(None, reasons=(*excepted, *clear))


def _ground_with_own_outcome(
    effect: GroundEffect,
    outcome: Outcome,
    holds: Callable[[Sequence[Criterion]], Text],
    unanswered: Callable[[Sequence[Criterion]], Text],
) -> Callable[[Ruleset, Answers], _Verdict]:
    def step(ruleset: Ruleset, given: Answers) -> _Verdict:
        grounds = ruleset.grounds_with(effect)
        holding = _with(grounds, given, Answer.YES)
        if holding:
            return _Verdict(outcome, reasons=(holds(holding),))
        unknown = _with(grounds, given, Answer.UNKNOWN)
        if unknown:
            # An unanswered dissent or force majeure could have cleared the cadre; not asking would
            # silently count the unknown against them, so the answer is required.
            return _insufficient(unknown, unanswered(unknown))
        return _Verdict(None)

    return step


def _grounds(ruleset: Ruleset, given: Answers) -> _Verdict:
    grounds = ruleset.grounds_with(GroundEffect.TOLERABLE)
    holding = _with(grounds, given, Answer.YES)
    if holding:
        return _Verdict(None, reasons=tuple(reasons.ground_holds(ground) for ground in holding))
    unknown = _with(grounds, given, Answer.UNKNOWN)
    if unknown:
        return _insufficient(unknown, reasons.grounds_unanswered(unknown))
    return _Verdict(Outcome.NOT_TOLERATED, reasons=(reasons.no_ground(grounds),))


def _core(ruleset: Ruleset, given: Answers) -> _Verdict:
    conditions = ruleset.in_group(Group.CORE)
    failed = _with(conditions, given, Answer.NO)
    if failed:
        return _Verdict(Outcome.NOT_TOLERATED, reasons=tuple(reasons.core_not_met(c) for c in failed))
    # `partly` alone would give REDUCED, but an unknown could still be `no`: ask before reducing.
    unknown = _with(conditions, given, Answer.UNKNOWN)
    if unknown:
        return _insufficient(unknown, reasons.core_unanswered(unknown))
    partly = _with(conditions, given, Answer.PARTLY)
    if partly:
        return _Verdict(Outcome.REDUCED, reasons=tuple(reasons.core_partly_met(c) for c in partly))
    return _Verdict(None, reasons=(reasons.core_met(conditions),) if conditions else ())


def _factors(ruleset: Ruleset, given: Answers) -> _Verdict:
    factors = ruleset.in_group(Group.FACTOR)
    # One unfavourable factor settles REDUCED whatever the unanswered ones turn out to be.
    unfavourable = _with(factors, given, Answer.UNFAVOURABLE)
    if unfavourable:
        return _Verdict(Outcome.REDUCED, reasons=tuple(reasons.factor_unfavourable(f) for f in unfavourable))
    unknown = _with(factors, given, Answer.UNKNOWN)
    if unknown:
        return _insufficient(unknown, reasons.factors_unanswered(unknown))
    return _Verdict(Outcome.EXEMPT, reasons=(reasons.factors_clear(factors),) if factors else ())


_PROCEDURE: tuple[tuple[Step, Callable[[Ruleset, Answers], _Verdict]], ...] = (
    (Step.SCOPE, _scope),
    (Step.GATES, _gates),
    (
        Step.NO_FAULT,
        _ground_with_own_outcome(
            GroundEffect.NO_FAULT, Outcome.NO_FAULT, reasons.no_fault, reasons.no_fault_unanswered
        ),
    ),
    (
        Step.NOT_PURSUED,
        _ground_with_own_outcome(
            GroundEffect.NOT_PURSUED, Outcome.NOT_PURSUED, reasons.not_pursued, reasons.not_pursued_unanswered
        ),
    ),
    (Step.GROUNDS, _grounds),
    (Step.CORE, _core),
    (Step.FACTORS, _factors),
)

PROCEDURE: tuple[Step, ...] = tuple(step for step, _ in _PROCEDURE)


# --- helpers ---------------------------------------------------------------------------------------


def _with(criteria: Sequence[Criterion], given: Answers, answer: Answer) -> list[Criterion]:
    return [criterion for criterion in criteria if given[criterion.id] is answer]


def _insufficient(unknown: Sequence[Criterion], text: Text) -> _Verdict:
    return _Verdict(Outcome.INSUFFICIENT, missing=tuple(c.id for c in unknown), reasons=(text,))


# What each procedure step consults, for the trace. Gates are read together with their exceptions.
_READS: dict[Step, Callable[[Criterion], bool]] = {
    Step.SCOPE: lambda c: c.group is Group.SCOPE,
    Step.GATES: lambda c: c.group in (Group.GATE, Group.EXCEPTION),
    Step.NO_FAULT: lambda c: c.effect is GroundEffect.NO_FAULT,
    Step.NOT_PURSUED: lambda c: c.effect is GroundEffect.NOT_PURSUED,
    Step.GROUNDS: lambda c: c.effect is GroundEffect.TOLERABLE,
    Step.CORE: lambda c: c.group is Group.CORE,
    Step.FACTORS: lambda c: c.group is Group.FACTOR,
}


def _read(ruleset: Ruleset, step: Step) -> tuple[Criterion, ...]:
    """The criteria a procedure step consults, in ruleset order."""
    return tuple(criterion for criterion in ruleset if _READS[step](criterion))


def _trace(step: Step, read: Sequence[Criterion], given: Answers, result: Outcome | Note) -> TraceStep:
    return TraceStep(step=step, answers=tuple((c.id, given[c.id]) for c in read), result=result)


def _conclusion(outcome: Outcome, *, missing: Sequence[str], aggravated: bool) -> Text:
    match outcome:
        case Outcome.OUT_OF_SCOPE:
            return reasons.conclude_out_of_scope()
        case Outcome.INSUFFICIENT:
            return reasons.conclude_insufficient(missing)
        case Outcome.NOT_TOLERATED:
            return reasons.conclude_not_tolerated(aggravated=aggravated)
        case Outcome.NO_FAULT:
            return reasons.conclude_no_fault()
        case Outcome.NOT_PURSUED:
            return reasons.conclude_not_pursued()
        case Outcome.EXEMPT:
            return reasons.conclude_exempt()
        case Outcome.REDUCED:
            return reasons.conclude_reduced()
