"""Read-only admin for rounds and conflicts. Every write goes through services (audit, locks, FSM).

Deliberately absent: ballot tokens, peer sheets, ratings and scores. Nobody browses who said what,
and the FSM admin actions of django-fsm-2 4.2.4 would skip the permission check (PITFALLS.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from evaluations.models import Conflict, EvaluationRound, Manifestation


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ManifestationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Manifestation
    extra = 0
    fields = ("code", "label_zh", "label_en", "order")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ReadOnlyAdmin):
    list_display = ("title", "scope", "state", "period_start", "period_end")
    list_filter = ("state",)
    search_fields = ("title",)
    list_select_related = ("scope",)
    inlines = [ManifestationInline]


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("cadre_a", "cadre_b", "kind", "round", "declared_at")
    list_select_related = ("cadre_a", "cadre_b", "round")
