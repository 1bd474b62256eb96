"""Read-only admin: documents change only through services (the status is an FSM field, protected)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from project.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "kind", "title", "status", "verification_code", "created_at", "rendered_at"]
    list_filter = ["kind", "status"]
    search_fields = ["verification_code", "object_type", "object_id"]
    date_hierarchy = "created_at"
    # The file field is left out: the admin would link to MEDIA_URL, which is deliberately not served.
    fields = readonly_fields = (
        "kind",
        "title",
        "object_type",
        "object_id",
        "status",
        "error",
        "verification_code",
        "template_name",
        "template_version",
        "sha256",
        "size",
        "requested_by",
        "created_at",
        "rendered_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False
