"""Read-only admin for accountability matters: every write goes through cases.matters.services.

The state is an FSM field (protected); django-fsm's admin transition buttons skip the permission
check, so nothing here can change a row. Staff who are not superusers see what `visible_to` shows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from cases.matters.models import (
    AccountabilityMatter,
    ChecklistAnswer,
    CorrectionTask,
    MatterDecision,
    MatterFeedback,
    MatterReviewer,
    Reminder,
    RiskPreRegistration,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountabilityMatter)
class AccountabilityMatterAdmin(ReadOnlyAdmin):
    list_display = ("pk", "title", "cadre", "unit", "state", "received_on", "decided_outcome")
    list_filter = ("state", "decided_outcome")
    search_fields = ("title", "cadre__name", "cadre__external_id")
    list_select_related = ("cadre", "unit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccountabilityMatter]:
        return AccountabilityMatter.objects.visible_to(request.user).select_related("cadre", "unit")


@admin.register(RiskPreRegistration)
class RiskPreRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "cadre", "unit", "registered_on")
    list_select_related = ("cadre", "unit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RiskPreRegistration]:
        return RiskPreRegistration.objects.visible_to(request.user).select_related("cadre", "unit")


def _matter_scoped(model: type[Model]) -> type[ReadOnlyAdmin]:
    class Scoped(ReadOnlyAdmin):
        list_display = ("pk", "matter", "__str__")

        def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
            visible = AccountabilityMatter.objects.visible_to(request.user).values("pk")
            return model._default_manager.filter(matter__in=visible).select_related("matter")

    Scoped.__name__ = f"{model.__name__}Admin"
    return Scoped


for _model in (ChecklistAnswer, CorrectionTask, MatterDecision, MatterFeedback, MatterReviewer, Reminder):
    admin.site.register(_model, _matter_scoped(_model))

# Rectification cases register their read-only admin classes on import.
from cases.rectification import admin as rectification_admin  # noqa: E402, F401
