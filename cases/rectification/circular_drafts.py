"""What a new circular's form starts with, so that nothing the system knows is typed again.

The issuing body, the issuer code, the addressees and the issuing unit repeat from the organization
department's previous circular; a circular about a case starts with the cadre's name and unit in the
title, the round's findings as the facts and the recorded handling measure as the decision. A circular
is an official Chinese document whatever the page's language, so what is filled in is Chinese. The
drafter edits all of it: these are suggestions, not the document.

"Fill in from this case" on a form already typed in fills only the empty fields (`fill_empty`): what
the drafter typed is never replaced, and the page says what was filled and what was kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from cases.rectification.circular_models import Circular
from cases.rectification.models import RectificationCase
from project.org.models import User

REPEATED_FIELDS = ("unit", "issuing_body", "issuer_code", "addressees")
# The form's single-valued fields in the order the form shows them; `cases` is the one list.
FILLABLE_FIELDS = (
    "unit", "issuing_body", "issuer_code", "title", "addressees", "facts", "decision", "nature", "requirements"
)  # fmt: skip


@dataclass(frozen=True)
class Filled:
    """The outcome of filling a typed-in form from a case: the form's new starting values, the fields that
    were empty and now hold the case's text, and those where the drafter's own text was kept although
    the case suggests something else."""

    values: dict[str, Any]
    filled: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def circular_initial(user: User, case: RectificationCase | None) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    previous = Circular.objects.visible_to(user).order_by("-created_at", "-pk").first()
    if previous is not None:
        initial.update({name: getattr(previous, name) for name in REPEATED_FIELDS})
        initial["unit"] = previous.unit_id
    if case is None:
        return initial
    initial["cases"] = [case.pk]
    initial["title"] = f"关于{case.unit.name}{case.cadre.name}同志躺平问题的通报"
    findings = [
        str(flag["zh"]) for flag in case.evidence.get("flags") or [] if isinstance(flag, dict) and flag.get("zh")
    ]
    if findings:
        initial["facts"] = "\n".join(findings)
    if case.handling_measure:
        with translation.override("zh-hans"):
            decision = str(case.get_handling_measure_display())
        initial["decision"] = f"{decision}\n{case.handling_note}".strip()
    return initial


def fill_empty(typed: Mapping[str, Any], suggested: dict[str, Any]) -> Filled:
    """Merge the suggestions into what was typed (`typed` is the posted form: a QueryDict, or a dict whose
    `cases` is a list). A field with any text keeps it; the case is added to the cases already named."""
    values: dict[str, Any] = {}
    filled: list[str] = []
    kept: list[str] = []
    for name in FILLABLE_FIELDS:
        mine = str(typed.get(name) or "")
        suggestion = suggested.get(name)
        if mine.strip():
            values[name] = mine
            if suggestion not in (None, "") and str(suggestion).strip() != mine.strip():
                kept.append(name)
        elif suggestion not in (None, ""):
            values[name] = suggestion
            filled.append(name)
    getlist = getattr(typed, "getlist", None)
    named = getlist("cases") if getlist is not None else list(typed.get("cases") or [])
    cases = [str(pk) for pk in named if str(pk).isascii() and str(pk).isdigit()]
    for pk in suggested.get("cases") or []:
        if str(pk) not in cases:
            cases.append(str(pk))
            if "cases" not in filled:
                filled.append("cases")
    values["cases"] = cases
    return Filled(values=values, filled=filled, kept=kept)
