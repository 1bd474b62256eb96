"""The schema (`/api/schema/`) and Swagger UI (`/api/docs/`, served from drf-spectacular-sidecar, its script a
separate file: no inline JavaScript), both for signed-in people only, and the router that mounts each app's
viewsets under `/api/v1/`."""

from __future__ import annotations

from collections.abc import Iterable

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import ViewSetMixin

from project.api.views import DocsView, SchemaView

# (URL prefix, viewset, basename): what each app's api.py lists in its ROUTES.
Route = tuple[str, type[ViewSetMixin], str]


def v1_router(*routes: Iterable[Route]) -> SimpleRouter:
    router = SimpleRouter()
    for group in routes:
        for prefix, viewset, basename in group:
            router.register(prefix, viewset, basename=basename)
    return router


urlpatterns = [
    # Both for signed-in people only (session or token): the schema lists every endpoint.
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # Swagger UI's page and bundle apply inline styles; its scripts stay 'self' only (security/CSP).
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(DocsView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
