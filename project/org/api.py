"""The roster over the REST API, read-only: units and cadres, from the same `visible_to(user)` as the pages.

Also the small reference serializers (unit, cadre, user) the other apps' APIs nest.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from project.api.urls import Route
from project.api.views import READ_ERRORS, VisibleViewSet
from project.org.models import Cadre, Unit, User
from project.org.selectors import cadre_list


class UnitRefSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]
        read_only_fields = fields


class CadreRefSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Cadre
        fields = ["id", "external_id", "name"]
        read_only_fields = fields


class UserRefSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "parent", "depth"]
        read_only_fields = fields


class CadreSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = Cadre
        # No birth date and no account link: the API gives what the roster page lists.
        fields = ["id", "external_id", "name", "gender", "unit", "post", "rank", "active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(responses={200: UnitSerializer}),
    retrieve=extend_schema(responses={200: UnitSerializer, **READ_ERRORS}),
)
class UnitViewSet(VisibleViewSet):
    """Units inside the subtrees where the user holds a role, and the user's own unit."""

    queryset = Unit.objects.none()
    serializer_class = UnitSerializer

    def visible(self) -> QuerySet[Any]:
        return Unit.objects.visible_to(self.request.user).order_by("path")


CADRE_FILTERS = [
    OpenApiParameter("q", str, description="Part of the name or post, or the exact cadre id."),
    OpenApiParameter("unit", int, description="Only the cadres of this unit."),
]


@extend_schema_view(
    list=extend_schema(parameters=CADRE_FILTERS),
    retrieve=extend_schema(responses={200: CadreSerializer, **READ_ERRORS}),
)
class CadreViewSet(VisibleViewSet):
    """Cadres of the subtrees where the user is org_admin, leader or auditor, and the user's own record."""

    queryset = Cadre.objects.none()
    serializer_class = CadreSerializer

    def visible(self) -> QuerySet[Any]:
        return cadre_list(
            user=self.request.user,
            query=self.request.query_params.get("q", "").strip()[:100],
            unit_id=self.query_int("unit"),
        ).order_by("unit__path", "name", "pk")


ROUTES: list[Route] = [
    ("units", UnitViewSet, "unit"),
    ("cadres", CadreViewSet, "cadre"),
]
