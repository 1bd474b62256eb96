"""The viewset base every app's API builds on: reads start from the app's `visible_to(user)` selector,
bodies of action endpoints are checked by a serializer, and results go out through a serializer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from project.api.permissions import IsActiveUser
from project.org.models import User


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. It lists every endpoint, so like the rest of the API it needs a signed-in
    person (session or token): anonymous → 401."""

    permission_classes = [IsActiveUser]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, for signed-in people. A browser without a session is sent to the login
    page, as on every other page; a request that brought a token (or tried to) gets the API's 401."""

    permission_classes = [IsActiveUser]

    # APIView.dispatch accepts any HttpResponseBase from handle_exception; the stubs say Response.
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and (
            "HTTP_AUTHORIZATION" not in self.request.META
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class VisibleViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """List and retrieve over `visible()`; transitions are `@action(methods=["post"])` endpoints that call
    the app's services (the same as the pages), whose domain errors project.api.errors maps.

    Subclasses set `queryset = Model.objects.none()` (for the schema) and implement `visible()`.
    """

    permission_classes = [IsActiveUser]
    lookup_value_regex = "[0-9]+"

    def visible(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema: no user
            return super().get_queryset()
        return self.visible()

    def query_int(self, name: str) -> int | None:
        """An optional whole-number query parameter; 400 when it is given but is not one."""
        value = self.request.query_params.get(name, "")
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise serializers.ValidationError({name: [_("A whole number is expected.")]})
        return int(value)

    def payload(self, serializer_class: type[serializers.Serializer[Any]], *, allowed: bool = True) -> dict[str, Any]:
        """The request body checked by `serializer_class` (400 with field messages when it is not valid).

        `allowed` is the person check of the step (e.g. `can_escalate_case(user, case)`): it comes before
        the body, so that somebody who may see the object but not act on it hears 403, whatever they sent.
        """
        if not allowed:
            raise exceptions.PermissionDenied
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def page_of(self, rows: QuerySet[Any], serializer_class: type[serializers.BaseSerializer[Any]]) -> Response:
        """A bounded page of `rows` (a list endpoint nested under an object, e.g. a case's talks)."""
        page = self.paginate_queryset(rows)
        assert page is not None  # every viewset here paginates
        serializer = serializer_class(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def respond(
        self, obj: Model | Any, serializer_class: type[serializers.BaseSerializer[Any]] | None = None
    ) -> Response:
        serializer = (serializer_class or self.get_serializer_class())(obj, context=self.get_serializer_context())
        return Response(serializer.data)


def id_field(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    """A row id in a request body: a positive integer a database column can hold (else 400, not 500)."""
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=help_text, **kwargs)


def active_user(pk: int, field: str) -> User:
    """The active user a request body names by id in `field`; else a 400 on that field."""
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({field: [_("There is no active user with this id.")]})
    return user


def text_field(**kwargs: Any) -> serializers.CharField:
    """Free text in a request body, blank allowed: the service says in its own words what is missing."""
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


class ReasonBody(serializers.Serializer):  # type: ignore[type-arg]
    """The body of a step that takes only a written reason (a case's or a matter's)."""

    reason = text_field()


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The body of a 403, 404 or 409 (`code` on domain errors only)."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class EmptySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An action endpoint that takes no body."""


READ_ERRORS: dict[int, Any] = {404: ErrorSerializer}
FIELD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field name (or non_field_errors) → messages.")
ACTION_ERRORS: dict[int, Any] = {400: FIELD_ERRORS, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
