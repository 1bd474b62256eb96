"""The person's in-app notifications (reminders): the list, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.rectification import reminders
from project.http import request_user


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's own notifications only, newest first."""
    context = {"notifications": reminders.notifications_for(request_user(request))}
    return render(request, "cases/rectification/notifications.html", context)


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    reminders.notifications_mark_read(user=request_user(request))
    return redirect("cases:rectification:notifications")
