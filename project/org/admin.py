"""Admin for the organization: every write goes through a service, so that it is audited.

A unit's path is computed from its place in the tree, so units are created by `unit_create` and only
renamed afterwards (moving a unit would re-path its subtree, which the admin does not offer). Nothing
is deleted here: a cadre leaves the roster by unticking "on the roster", a grant is revoked through
`role_revoke`. Cadre marks are written by the cases services and are read-only. Staff who are not
superusers see only what `visible_to` shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from project.org.models import Cadre, CadreMark, RoleGrant, Unit
from project.org.services import cadre_save, role_grant, role_revoke, unit_create, unit_rename


def _mark_saved(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved instance stand for the row the service created."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "code", "parent", "depth", "path")
    list_filter = ("depth",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    ordering = ("path",)
    autocomplete_fields = ("parent",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        units = super().get_queryset(request)
        return units if request.user.is_superuser else units.visible_to(request.user)  # type: ignore[attr-defined]

    def get_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:  # type: ignore[override]
        return ["name", "code", "parent"] if obj is None else ["name", "code", "parent", "path", "depth"]

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        return [] if obj is None else ["code", "parent", "path", "depth"]

    def save_model(self, request: HttpRequest, obj: Unit, form: ModelForm[Unit], change: bool) -> None:
        if change:
            unit_rename(actor=request.user, unit=obj, name=obj.name)
            return
        unit = unit_create(actor=request.user, name=obj.name, code=obj.code, parent=obj.parent)
        _mark_saved(obj, unit)
        obj.path, obj.depth = unit.path, unit.depth

    def has_delete_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        return False


@admin.register(Cadre)
class CadreAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "name", "gender", "birth_date", "unit", "post", "rank", "user", "active")
    list_filter = ("active", "gender", "rank")
    search_fields = ("external_id", "name", "post", "unit__code", "unit__name", "user__username")
    list_select_related = ("unit", "user")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cadre]:
        cadres = super().get_queryset(request)
        return cadres if request.user.is_superuser else cadres.visible_to(request.user)  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Cadre, form: ModelForm[Cadre], change: bool) -> None:
        cadre_save(actor=request.user, cadre=obj, changed=list(form.changed_data))

    def has_delete_permission(self, request: HttpRequest, obj: Cadre | None = None) -> bool:
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "role", "unit", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "unit__code", "unit__name")
    list_select_related = ("user", "unit")
    fields = ("user", "role", "unit")
    raw_id_fields = ("user",)
    autocomplete_fields = ("unit",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleGrant]:
        grants = super().get_queryset(request)
        if request.user.is_superuser:
            return grants
        return grants.filter(unit__in=Unit.objects.visible_to(request.user))

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: ModelForm[RoleGrant], change: bool) -> None:
        grant = role_grant(actor=request.user, user=obj.user, role=obj.role, unit=obj.unit)
        _mark_saved(obj, grant)
        obj.granted_at = grant.granted_at

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        role_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("user", "unit"):
            role_revoke(actor=request.user, grant=grant)

    def has_change_permission(self, request: HttpRequest, obj: RoleGrant | None = None) -> bool:
        # A grant is given or revoked, never edited into a different one.
        return False


@admin.register(CadreMark)
class CadreMarkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("cadre", "kind", "valid_from", "valid_until", "source")
    list_filter = ("kind",)
    search_fields = ("cadre__name", "cadre__external_id", "source")
    list_select_related = ("cadre",)
    date_hierarchy = "valid_from"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CadreMark]:
        marks = super().get_queryset(request)
        if request.user.is_superuser:
            return marks
        return marks.filter(cadre__in=Cadre.objects.visible_to(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
