"""Reads of the roster, always starting from visible_to(user)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from project.org.models import Cadre, CadreQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


def cadre_list(*, user: User | AnonymousUser, query: str = "", unit_id: int | None = None) -> CadreQuerySet:
    cadres = Cadre.objects.visible_to(user).select_related("unit")
    if query:
        cadres = cadres.filter(Q(name__contains=query) | Q(external_id=query) | Q(post__contains=query))
    if unit_id is not None:
        cadres = cadres.filter(unit_id=unit_id)
    return cadres
