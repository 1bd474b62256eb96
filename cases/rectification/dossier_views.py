"""The case dossier page: ask the worker for a new dossier (POST) and follow one's own dossiers (GET)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.rectification import dossier, permissions
from cases.rectification.views import case_errors, visible_case
from project.http import request_user


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """POST asks for a dossier of the case as the user may see it; GET lists the user's own dossiers."""
    case = visible_case(request, pk)
    user = request_user(request)
    if not permissions.can_request_dossier_case(user, case):
        raise PermissionDenied
    if request.method == "POST":
        dossier.case_dossier_request(actor=user, case=case)
        messages.success(request, _("The dossier is being prepared; it appears below when it is ready."))
        return redirect("cases:rectification:dossier", pk=case.pk)
    context = {"case": case, "documents": list(dossier.dossiers_of(user=user, case=case)[:20])}
    return render(request, "cases/rectification/dossier.html", context)
