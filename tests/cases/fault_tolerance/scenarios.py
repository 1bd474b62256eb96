"""Answer sets for the tests, built from one clean path through the whole procedure.

`clean()` is a matter that runs every step and ends EXEMPT: in scope, no gate, no dissent, no force
majeure, one tolerance ground (T1), all core conditions met, every factor favourable. Each test changes
only what its story is about, so the answer that makes the difference is the one written in the test.
"""

from __future__ import annotations

from cases.fault_tolerance import Answer, Group, load_ruleset

RULESET = load_ruleset("zigong-v1")

SCOPE = tuple(c.id for c in RULESET.in_group(Group.SCOPE))
GATES = tuple(c.id for c in RULESET.in_group(Group.GATE))
TOLERABLE_GROUNDS = ("T1", "T2", "T3", "T6", "T7")
CORE = tuple(c.id for c in RULESET.in_group(Group.CORE))
FACTORS = tuple(c.id for c in RULESET.in_group(Group.FACTOR))
CONTEXT = tuple(c.id for c in RULESET.in_group(Group.CONTEXT))
AGGRAVATING = tuple(c.id for c in RULESET.in_group(Group.AGGRAVATING))

_CLEAN: dict[str, str] = {
    **dict.fromkeys(SCOPE, "yes"),
    **dict.fromkeys(GATES, "no"),
    "X1": "no",
    "T4": "no",
    "T5": "no",
    "T1": "yes",
    **dict.fromkeys(("T2", "T3", "T6", "T7"), "no"),
    **dict.fromkeys(CORE, "yes"),
    **dict.fromkeys(FACTORS, "favourable"),
    **dict.fromkeys(CONTEXT, "neutral"),
    **dict.fromkeys(AGGRAVATING, "no"),
}


def clean(**changes: str) -> dict[str, str]:
    """The clean EXEMPT path with `changes` applied (`unknown` to un-answer a criterion)."""
    unknown = set(changes) - set(RULESET.ids)
    assert not unknown, f"not criteria: {unknown}"
    return {**_CLEAN, **changes}


def without(answers: dict[str, str], *ids: str) -> dict[str, str]:
    """`answers` with `ids` left out altogether, as a form that skipped them would send."""
    return {key: value for key, value in answers.items() if key not in ids}


def definite(answers: dict[str, str]) -> dict[str, str]:
    """Only the answers that are not `unknown`."""
    return {key: value for key, value in answers.items() if value != Answer.UNKNOWN}
