"""Read-only admin for rectification cases: every write goes through cases.rectification.services.

The state is an FSM field (protected) and django-fsm's admin transition buttons skip the permission
check, so nothing here can change a row. Staff who are not superusers see what `visible_to` shows.
Imported from `cases/admin.py`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from cases.rectification.models import CareMeasure, Commitment, RectificationCase, RectificationPlan, Talk


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RectificationCase)
class RectificationCaseAdmin(_ReadOnly):
    list_display = ("pk", "cadre", "unit", "state", "leader", "period_end", "repeat_offence")
    list_filter = ("state", "repeat_offence")
    search_fields = ("cadre__name", "cadre__external_id")
    list_select_related = ("cadre", "unit", "leader")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RectificationCase]:
        return RectificationCase.objects.visible_to(request.user).select_related("cadre", "unit", "leader")


def _case_scoped(model: type[Model]) -> type[_ReadOnly]:
    class Scoped(_ReadOnly):
        list_display = ("pk", "case", "__str__")

        def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
            visible = RectificationCase.objects.visible_to(request.user).values("pk")
            return model._default_manager.filter(case__in=visible).select_related("case__cadre")

    Scoped.__name__ = f"{model.__name__}Admin"
    return Scoped


for _model in (Talk, Commitment, RectificationPlan, CareMeasure):
    admin.site.register(_model, _case_scoped(_model))
