"""Unannounced visit (暗访) pages: the case's plans (organization department), a plan with its observations,
the inspector's "my visits", and the attachment download.

Every URL answers 404 to anyone who may not see the plan — the cadre and the leader in charge included,
exactly like a missing plan. Every view of a plan or an attachment is logged (`audit_log_read`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.rectification import permissions, visit_services, visits
from cases.rectification.forms import DateInput, DateTimeInput, StyledForm
from cases.rectification.models import RectificationCase
from cases.rectification.views import case_errors, visible_case
from cases.rectification.visit_models import BEFORE_VISIT_STATES, VISIT_STATES, VisitPlan, VisitVerdict
from project.audit.services import AuditEntry, audit_log_read, audit_record_many
from project.http import add_service_errors, found_or_404, request_user
from project.org.models import User


class VisitPlanForm(StyledForm):
    team = forms.ModelMultipleChoiceField(
        label=gettext_lazy("visit team"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    window_start = forms.DateField(label=gettext_lazy("window from"), widget=DateInput)
    window_end = forms.DateField(label=gettext_lazy("window until"), widget=DateInput)
    method = forms.CharField(label=gettext_lazy("method (暗访方式)"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[user.pk for user in candidates]
        ).order_by("display_name")


class ObservationForm(StyledForm):
    observed_at = forms.DateTimeField(label=gettext_lazy("observed at"), widget=DateTimeInput)
    text = forms.CharField(label=gettext_lazy("observation"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=gettext_lazy("photo or scan (PDF, JPEG, PNG)"), required=False, allow_empty_file=False)


class ExecuteForm(StyledForm):
    verdict = forms.ChoiceField(label=gettext_lazy("verdict"), choices=VisitVerdict.choices)
    note = forms.CharField(label=gettext_lazy("verdict note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _case_for_visits(request: HttpRequest, pk: int) -> RectificationCase:
    """The case, if the user may plan its visits; anyone else gets 404 (the leader in charge included)."""
    case = visible_case(request, pk)
    if not permissions.can_plan_visit_case(request_user(request), case):
        raise Http404
    return case


def _plan(request: HttpRequest, pk: int) -> VisitPlan:
    return found_or_404(visits.visit_get_visible(user=request.user, pk=pk))


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_visits(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's visit plans, and the form to plan one (the organization department only)."""
    case = _case_for_visits(request, pk)
    form = VisitPlanForm(request.POST if request.method == "POST" else None, candidates=visits.team_candidates(case))
    if form.is_bound and form.is_valid():
        try:
            plan = visit_services.visit_plan_create(
                actor=request.user,
                case=case,
                team=list(form.cleaned_data["team"]),
                window_start=form.cleaned_data["window_start"],
                window_end=form.cleaned_data["window_end"],
                method=form.cleaned_data["method"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The visit was planned. Seal it to draw its date."))
            return redirect("cases:rectification:visit_detail", pk=plan.pk)
    audit_log_read(actor=request.user, obj=case, what="visit plans")
    context = {
        "case": case,
        "plans": list(visits.case_visits(user=request.user, case=case)),
        # Planning is possible while the case is rectifying, verifying or escalated (the service says so too).
        "form": form if form.is_bound or case.state in VISIT_STATES else None,
        # Why there is no form: "not_yet" before the rectification period, "no_longer" once it is over.
        "planning_closed": (
            None if case.state in VISIT_STATES else "not_yet" if case.state in BEFORE_VISIT_STATES else "no_longer"
        ),
    }
    return render(request, "cases/rectification/visits/list.html", context, status=400 if form.is_bound else 200)


def _detail_page(
    request: HttpRequest,
    plan: VisitPlan,
    *,
    observation_form: ObservationForm | None = None,
    execute_form: ExecuteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Every rendering of the plan is a view of it, the form pages after an error included.
    audit_log_read(actor=request.user, obj=plan, what="visit plan")
    actions = permissions.visit_actions(request.user, plan)
    user = request_user(request)
    context = {
        "plan": plan,
        "case": plan.case,
        "actions": actions,
        # Links only to pages the viewer may already open: the case and its visits (the organization
        # department), or the inspector's own visits.
        "can_view_case": permissions.can_view_case(user, plan.case),
        "can_list_visits": permissions.can_plan_visit_case(user, plan.case),
        "is_team_member": permissions.is_visit_team_member(user, plan),
        "observation_form": observation_form
        or (ObservationForm(initial={"observed_at": timezone.localtime()}) if actions["observe"] else None),
        "execute_form": execute_form or (ExecuteForm() if actions["execute"] else None),
    }
    return render(request, "cases/rectification/visits/detail.html", context, status=status)


@require_GET
@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: team, window, method, drawn date, observations with attachments, verdict; logged."""
    return _detail_page(request, _plan(request, pk))


@require_POST
@login_required
@case_errors
def visit_seal(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    visit_services.visit_plan_seal(actor=request.user, plan=plan)
    messages.success(request, _("The plan is sealed and its date drawn."))
    return redirect("cases:rectification:visit_detail", pk=plan.pk)


@require_POST
@login_required
@case_errors
def visit_observe(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not permissions.can_observe_visit(request.user, plan):
        raise PermissionDenied
    form = ObservationForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            visit_services.visit_observation_add(
                actor=request.user,
                plan=plan,
                text=form.cleaned_data["text"],
                observed_at=form.cleaned_data["observed_at"],
                files=[upload] if upload else [],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "files" in error.error_dict:
                form.add_error("file", error.error_dict["files"])
            else:
                add_service_errors(form, error)
        else:
            messages.success(request, _("The observation was recorded."))
            return redirect("cases:rectification:visit_detail", pk=plan.pk)
    return _detail_page(request, plan, observation_form=form, status=400)


@require_POST
@login_required
@case_errors
def visit_execute(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not permissions.can_execute_visit(request.user, plan):
        raise PermissionDenied
    form = ExecuteForm(request.POST)
    if form.is_valid():
        try:
            visit_services.visit_execute(
                actor=request.user, plan=plan, verdict=form.cleaned_data["verdict"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The visit's verdict was recorded."))
            return redirect("cases:rectification:visit_detail", pk=plan.pk)
    return _detail_page(request, plan, execute_form=form, status=400)


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A visit attachment, as an attachment, for whoever may see the plan; logged."""
    attachment = found_or_404(visits.attachment_get_visible(user=request.user, pk=pk))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_log_read(actor=request.user, obj=attachment.observation.plan, what=f"attachment #{attachment.pk}")
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    """The inspector's sealed visits, with their drawn dates; the ones still to do first."""
    plans = list(visits.my_visits(user=request.user))
    # The list shows each plan's drawn date: a view of each plan, logged in one insert.
    audit_record_many(
        actor=request.user,
        action="read",
        entries=[AuditEntry(f"viewed visit plan #{plan.pk} (my visits)", plan, {}) for plan in plans],
    )
    context = {"plans": plans, "today": timezone.localdate()}
    return render(request, "cases/rectification/visits/mine.html", context)
