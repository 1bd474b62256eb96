"""Template helpers of the rectification pages, and links from other apps' pages to rectification cases: the
evaluations app may not import cases code (the layers contract in pyproject.toml), but its templates may load
this library."""

from __future__ import annotations

from typing import Any

from django import template

from cases.rectification.models import RectificationCase

register = template.Library()


@register.simple_tag(takes_context=True)
def round_cases_of(context: dict[str, Any], round_id: int, cadre_id: int) -> list[int]:
    """The ids of the cadre's cases opened by the round that the viewer may read (`visible_to`: never the
    cadre's own case, nothing for an inspector): one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    cases = RectificationCase.objects.visible_to(user).filter(round_id=round_id, cadre_id=cadre_id)
    return list(cases.order_by("pk").values_list("pk", flat=True))
