"""What a new circular's form starts with, so that nothing the system knows is typed again.

The issuing body, the issuer code, the addressees and the issuing unit repeat from the organization
department's previous circular; a circular about a case starts with the cadre's name and unit in the
title, the round's findings as the facts and the recorded handling measure as the decision. A circular
is an official Chinese document whatever the page's language, so what is filled in is Chinese. The
drafter edits all of it: these are suggestions, not the document.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from cases.rectification.models import Circular, RectificationCase
from project.org.models import User

REPEATED_FIELDS = ("unit", "issuing_body", "issuer_code", "addressees")


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
