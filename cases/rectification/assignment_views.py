"""Handing a case over to another leader in charge: the form (loaded into the case page by htmx, or as its
own page without JavaScript) and its POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.rectification import assignment, permissions
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.forms import ReassignLeaderForm
from cases.rectification.models import LEADER_STATES
from cases.rectification.views import case_errors, visible_case
from project.http import add_service_errors, request_user


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the handover form (the fragment alone for htmx); POST: hand the case over (the service decides)."""
    case = visible_case(request, pk)
    user = request_user(request)
    # The same order as the service: the state (409), then the person (403) — for the POST too, before the
    # form, so that an empty or invalid handover by someone who may not make it is a 403, not a 400.
    if case.state not in LEADER_STATES or case.leader_id is None:
        raise InvalidTransition(_("Only a case with a leader in charge that is still open can be handed over."))
    if not permissions.can_reassign_leader_case(user, case):
        raise PermissionDenied
    form = ReassignLeaderForm(
        request.POST if request.method == "POST" else None, candidates=assignment.reassign_candidates(case)
    )
    if form.is_bound and form.is_valid():
        try:
            assignment.case_reassign_leader(
                actor=user, case=case, leader=form.cleaned_data["leader"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was handed over to the new leader in charge."))
            return redirect("cases:rectification:detail", pk=case.pk)
    partial = bool(request.htmx)  # type: ignore[attr-defined]
    template = "cases/rectification/_reassign_form.html" if partial else "cases/rectification/reassign.html"
    return render(request, template, {"case": case, "form": form}, status=400 if form.is_bound else 200)
