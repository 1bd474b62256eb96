"""The auditor's view of the trail: who did and who saw what."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from project.audit.selectors import events_visible_to
from project.org.permissions import can_view_audit


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied
    # Who saw what: ?action=read&actor=<username>, or &object_type=cases.visitplan&object_id=7 for one object.
    filters = {
        name: request.GET.get(name, "").strip()[:100] for name in ("action", "actor", "object_type", "object_id")
    }
    events = events_visible_to(request.user)
    if filters["action"]:
        events = events.filter(action=filters["action"])
    if filters["actor"]:
        events = events.filter(actor__username=filters["actor"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"].lower())
    if filters["object_id"]:
        events = events.filter(object_id=filters["object_id"])
    page = Paginator(events.order_by("-id"), 100).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, **filters})
