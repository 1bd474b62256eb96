"""The vocabulary of a fault-tolerance ruleset: groups, answers and criteria.

Plain data only. Loading and validation live in `ruleset.py`, the decision procedure in `engine.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """The role a criterion plays in the decision procedure."""

    SCOPE = "scope"
    GATE = "gate"
    EXCEPTION = "exception"
    CORE = "core"
    GROUND = "ground"
    FACTOR = "factor"
    CONTEXT = "context"
    AGGRAVATING = "aggravating"


class Answer(StrEnum):
    """A reviewer's answer to one criterion. Which values a criterion takes depends on its group."""

    YES = "yes"
    NO = "no"
    PARTLY = "partly"
    FAVOURABLE = "favourable"
    NEUTRAL = "neutral"
    UNFAVOURABLE = "unfavourable"
    UNKNOWN = "unknown"


class GroundEffect(StrEnum):
    """What a tolerance ground leads to when it holds.

    The spec gives the dissent ground (T4) and the force-majeure ground (T5) their own steps with their
    own outcomes; every other ground only opens the way to the core and factor steps. Keeping this in
    the data rather than keying on the ids lets a later ruleset renumber its grounds.
    """

    NO_FAULT = "no_fault"
    NOT_PURSUED = "not_pursued"
    TOLERABLE = "tolerable"


_YES_NO = (Answer.YES, Answer.NO, Answer.UNKNOWN)
_WEIGHED = (Answer.FAVOURABLE, Answer.NEUTRAL, Answer.UNFAVOURABLE, Answer.UNKNOWN)

# The allowed answers follow from the group alone, so a ruleset cannot give one gate a different scale.
ALLOWED_ANSWERS: dict[Group, tuple[Answer, ...]] = {
    Group.SCOPE: _YES_NO,
    Group.GATE: _YES_NO,
    Group.EXCEPTION: _YES_NO,
    Group.CORE: (Answer.YES, Answer.NO, Answer.PARTLY, Answer.UNKNOWN),
    Group.GROUND: _YES_NO,
    Group.FACTOR: _WEIGHED,
    Group.CONTEXT: _WEIGHED,
    Group.AGGRAVATING: _YES_NO,
}


@dataclass(frozen=True)
class Text:
    """The same wording in Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Criterion:
    """One checklist item. `exception_to` is set only on exceptions, `effect` only on grounds."""

    id: str
    group: Group
    wording: Text
    basis: Text
    exception_to: str | None = None
    effect: GroundEffect | None = None

    @property
    def allowed_answers(self) -> tuple[Answer, ...]:
        return ALLOWED_ANSWERS[self.group]


@dataclass(frozen=True)
class Ruleset:
    """A validated, versioned set of criteria, in the order the ruleset file lists them."""

    name: str
    title: Text
    criteria: tuple[Criterion, ...]

    def __iter__(self) -> Iterator[Criterion]:
        return iter(self.criteria)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(criterion.id for criterion in self.criteria)

    def get(self, criterion_id: str) -> Criterion | None:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        return None

    def __getitem__(self, criterion_id: str) -> Criterion:
        criterion = self.get(criterion_id)
        if criterion is None:
            raise KeyError(criterion_id)
        return criterion

    def in_group(self, group: Group) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.criteria if criterion.group is group)

    def grounds_with(self, effect: GroundEffect) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.in_group(Group.GROUND) if criterion.effect is effect)

    def exceptions_to(self, gate_id: str) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.in_group(Group.EXCEPTION) if criterion.exception_to == gate_id)
