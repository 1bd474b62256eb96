"""The auditor's view of the trail: who did and who saw what."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from project.audit.forms import EventFilterForm
from project.audit.labels import object_url
from project.audit.models import AuditEvent
from project.audit.selectors import events_visible_to, object_type_name, object_types_in_trail
from project.org.permissions import can_view_audit


@dataclass(frozen=True)
class EventRow:
    """One line of the trail as the reader sees it: the event's label (`AuditEvent.label`, in the
    reader's language), its object's type by the model's verbose name, and the object's page when its app
    registered one (`project.audit.labels.object_url`: built without a query; the page checks its own
    permissions)."""

    event: AuditEvent
    label: str
    object_name: str
    url: str | None


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied
    # Who saw what: ?action=read&actor=<username>, or &object_type=cases.visitplan&object_id=7 for one object.
    form = EventFilterForm(request.GET, object_types=object_types_in_trail(request.user))
    events = events_visible_to(request.user)
    events = form.filter(events) if form.is_valid() else events.none()
    page = Paginator(events.order_by("-id"), 100).get_page(request.GET.get("page"))
    rows = [EventRow(event, event.label, object_type_name(event.object_type), object_url(event)) for event in page]
    return render(request, "audit/event_list.html", {"form": form, "page": page, "rows": rows})
