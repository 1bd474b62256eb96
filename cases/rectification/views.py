"""Case pages: the case with its timeline, the steps, plans, care measures and commitments; the leader's talks;
the cadre's own summary. The list, bulk determination and opening by hand are in list_views.

Mapping of errors: a case the user may not see → 404 (exactly like a missing one); InvalidTransition →
409 page with its message; PermissionDenied → 403 (with its message when it has one); a service's
ValidationError → the form again with everything entered (400).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.actions import Action, action_post
from cases.rectification import forms as case_forms
from cases.rectification import period_services, permissions, selectors, services, talk_services
from cases.rectification.evidence import evidence_rows
from cases.rectification.exceptions import AlreadyRecorded, InvalidTransition
from cases.rectification.models import (
    TALK_STATES,
    CaseState,
    Commitment,
    RectificationCase,
    Talk,
)
from project.audit.services import audit_log_read
from project.http import add_service_errors, domain_errors, found_or_404, request_user
from project.org.models import User

# The error mapping of the module docstring, for every view module of the package; and the case a URL names, as
# the user may see it (404 otherwise).
case_errors = domain_errors(
    conflict_template="cases/rectification/conflict.html", forbidden_template="cases/rectification/forbidden.html"
)


def visible_case(request: HttpRequest, pk: int) -> RectificationCase:
    return found_or_404(selectors.case_get_visible(user=request.user, pk=pk))


# --- the case and its steps -------------------------------------------------------------------------------


def _plain(data: Any, case: RectificationCase, user: User) -> forms.Form:
    return case_forms.PlainForm(data)


ACTIONS: dict[str, Action[RectificationCase]] = {
    "confirm": Action(
        lambda d, c, u: case_forms.NoteForm(d),
        lambda u, c, f: services.case_confirm(actor=u, case=c, note=f.cleaned_data["note"]),
        gettext_lazy("Confirmed as a rectification target."),
    ),
    "dismiss": Action(
        lambda d, c, u: case_forms.ReasonForm(d),
        lambda u, c, f: services.case_dismiss(actor=u, case=c, reason=f.cleaned_data["reason"]),
        gettext_lazy("The nomination was dismissed."),
    ),
    "assign_leader": Action(
        lambda d, c, u: case_forms.AssignLeaderForm(d, candidates=selectors.leader_candidates(c)),
        lambda u, c, f: services.case_assign_leader(actor=u, case=c, leader=f.cleaned_data["leader"]),
        gettext_lazy("The leader in charge was assigned; talks can begin."),
    ),
    "start_rectifying": Action(
        _plain,
        lambda u, c, f: period_services.case_start_rectifying(actor=u, case=c),
        gettext_lazy("The rectification period has started."),
    ),
    "move_to_verifying": Action(
        _plain,
        lambda u, c, f: period_services.case_move_to_verifying(actor=u, case=c),
        gettext_lazy("The case is in verification."),
    ),
    "close_rectified": Action(
        _plain,
        lambda u, c, f: period_services.case_close_rectified(actor=u, case=c),
        gettext_lazy("Closed as rectified (销号)."),
    ),
    "escalate": Action(
        lambda d, c, u: case_forms.EscalateForm(d),
        lambda u, c, f: period_services.case_escalate(
            actor=u, case=c, measure=f.cleaned_data["measure"], note=f.cleaned_data["note"]
        ),
        gettext_lazy("The case was escalated."),
    ),
    "restart": Action(
        lambda d, c, u: case_forms.RestartForm(d),
        lambda u, c, f: period_services.case_restart_rectifying(
            actor=u, case=c, period_months=f.cleaned_data.get("period_months")
        ),
        gettext_lazy("A new rectification period has started."),
    ),
    "close_handled": Action(
        _plain,
        lambda u, c, f: period_services.case_close_handled(actor=u, case=c),
        gettext_lazy("Closed after handling."),
    ),
    "withdraw": Action(
        lambda d, c, u: case_forms.WithdrawForm(d),
        lambda u, c, f: period_services.case_withdraw(
            actor=u, case=c, reason=f.cleaned_data["reason"], note=f.cleaned_data["note"]
        ),
        gettext_lazy("The case was withdrawn."),
    ),
}

_DETAIL_FORMS = ("confirm", "dismiss", "assign_leader", "escalate", "restart", "withdraw")


def _detail_page(
    request: HttpRequest, case: RectificationCase, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    allowed = permissions.case_actions(user, case)
    bound = bound or {}
    action_forms = {
        name: bound.get(name) or ACTIONS[name].form(None, case, user) for name in _DETAIL_FORMS if allowed.get(name)
    }
    today = timezone.localdate()
    context = {
        "case": case,
        "actions": allowed,
        "forms": action_forms,
        "evidence_rows": evidence_rows(user, case),
        "talks": list(selectors.case_talks(case)),
        "commitment_rows": [
            (item, item.is_overdue(today), item.status_label(today)) for item in selectors.case_commitments(case)
        ],
        "plans": list(selectors.case_plans(case)),
        "care_measures": list(selectors.case_care_measures(case)),
        "timeline": list(selectors.case_timeline(case)),
    }
    return render(request, "cases/rectification/detail.html", context, status=status)


@require_GET
@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case: facts, evidence, talks, commitments, plan, care measures, timeline, and the allowed steps."""
    case = visible_case(request, pk)
    audit_log_read(actor=request.user, obj=case, what="case file")
    return _detail_page(request, case)


@require_POST
@login_required
@case_errors
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per step; the service decides whether it is allowed now and for this person."""
    case = visible_case(request, pk)
    return action_post(request, case, action, ACTIONS, namespace="cases:rectification", pages={"detail": _detail_page})


def _plan_page(
    request: HttpRequest,
    case: RectificationCase,
    plan_form: forms.Form | None = None,
    commitment_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    allowed = permissions.case_actions(user, case)
    today = timezone.localdate()
    context = {
        "case": case,
        "actions": allowed,
        "plan_form": plan_form or (case_forms.PlanForm() if allowed["plan"] else None),
        "commitment_form": commitment_form or (case_forms.RequiredCommitmentForm() if allowed["commitment"] else None),
        "plans": list(selectors.case_plans(case)),
        "commitment_rows": [
            (item, item.is_overdue(today), item.status_label(today)) for item in selectors.case_commitments(case)
        ],
    }
    return render(request, "cases/rectification/plan.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The rectification plan and the commitments; POST draws up a (new) plan."""
    case = visible_case(request, pk)
    if request.method == "GET":
        return _plan_page(request, case)
    if not permissions.can_plan_case(request_user(request), case):
        raise PermissionDenied
    form = case_forms.PlanForm(request.POST)
    if form.is_valid():
        try:
            talk_services.plan_create(
                actor=request.user,
                case=case,
                measures=form.cleaned_data["measures"],
                period_months=form.cleaned_data["period_months"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rectification plan was recorded."))
            return redirect("cases:rectification:plan", pk=case.pk)
    return _plan_page(request, case, plan_form=form, status=400)


@require_POST
@login_required
@case_errors
def commitment_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk)
    if not permissions.can_add_commitment_case(request_user(request), case):
        raise PermissionDenied
    form = case_forms.RequiredCommitmentForm(request.POST)
    if form.is_valid():
        try:
            talk_services.commitment_add(
                actor=request.user, case=case, text=form.cleaned_data["text"], deadline=form.cleaned_data["deadline"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The commitment was added."))
            return redirect("cases:rectification:plan", pk=case.pk)
    return _plan_page(request, case, commitment_form=form, status=400)


@require_POST
@login_required
@case_errors
def commitment_done(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = found_or_404(Commitment.objects.filter(pk=pk).only("pk", "case_id").first())
    case = visible_case(request, commitment.case_id)
    talk_services.commitment_mark_done(actor=request.user, commitment=commitment)
    messages.success(request, _("The commitment is marked done."))
    return redirect("cases:rectification:detail", pk=case.pk)


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_care(request: HttpRequest, pk: int) -> HttpResponse:
    """Care and incentive measures: the list, and the form for the leader or the organization department."""
    case = visible_case(request, pk)
    allowed = permissions.case_actions(request_user(request), case)
    if request.method == "POST" and not permissions.can_add_care_case(request_user(request), case):
        raise PermissionDenied
    form = case_forms.CareForm(request.POST if request.method == "POST" else None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            talk_services.care_measure_add(
                actor=request.user,
                case=case,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The care measure was recorded."))
            return redirect("cases:rectification:care", pk=case.pk)
    context = {
        "case": case,
        "form": form if allowed["care"] or form.is_bound else None,
        "care_measures": list(selectors.case_care_measures(case)),
    }
    return render(request, "cases/rectification/care.html", context, status=400 if form.is_bound else 200)


# --- talks ------------------------------------------------------------------------------------------------


def _talk_form_page(
    request: HttpRequest,
    case: RectificationCase,
    form: case_forms.TalkForm,
    formset: forms.BaseFormSet | None,  # type: ignore[type-arg]
    talk: Talk | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"case": case, "form": form, "formset": formset, "talk": talk}
    return render(request, "cases/rectification/talk_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def talk_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a talk: the leader in charge, while the case is in talks, rectifying or escalated."""
    case = visible_case(request, pk)
    user = request_user(request)
    if case.state not in TALK_STATES:
        raise InvalidTransition(_("Talks are recorded while the case is in talks, rectifying or escalated."))
    if not permissions.can_record_talk_case(user, case):
        raise PermissionDenied
    recorders = selectors.recorder_choices(user=user, case=case)
    data = request.POST if request.method == "POST" else None
    form = case_forms.TalkForm(data, recorders=recorders)
    formset = case_forms.CommitmentFormSet(data, prefix="commitments")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            talk = talk_services.talk_create(
                actor=user,
                case=case,
                kind=form.cleaned_data["kind"],
                held_at=form.cleaned_data["held_at"],
                place=form.cleaned_data["place"],
                recorder=form.cleaned_data["recorder"],
                purpose=form.cleaned_data["purpose"],
                content=form.cleaned_data["content"],
                statement=form.cleaned_data["statement"],
                commitments=case_forms.commitment_inputs(formset),
            )
        except ValidationError as error:
            rest = _on_commitment_rows(error, formset, form.cleaned_data.get("held_at") or timezone.now())
            if rest is not None:
                add_service_errors(form, rest)
        except AlreadyRecorded as error:
            # The form sent again (the Back button after saving, a second click): show the record stored the
            # first time rather than a conflict page, and store nothing.
            messages.info(request, _("This talk was already recorded; the form was sent twice. Here is the record."))
            return redirect("cases:rectification:talk_detail", pk=error.record.pk)
        else:
            if "sign" in request.POST:
                # "Save and sign": the leader checked the record on the form; one page load fewer (docs/BURDEN.md).
                talk_services.talk_sign(actor=user, talk=talk)
                messages.success(
                    request, _("Recorded and signed. The record is final; the cadre is asked to acknowledge it.")
                )
            else:
                messages.success(request, _("The talk was recorded. Check it, then sign it."))
            return redirect("cases:rectification:talk_detail", pk=talk.pk)
    return _talk_form_page(request, case, form, formset, status=400 if data is not None else 200)


def _on_commitment_rows(
    error: ValidationError,
    formset: forms.BaseFormSet,  # type: ignore[type-arg]
    held_at: datetime,
) -> ValidationError | None:
    """A deadline the service refused, put on its own row of the commitments (by the service's own rule), so
    that the leader sees which one; what is left for the talk's form is returned (None: nothing)."""
    if not hasattr(error, "error_dict") or "commitments" not in error.error_dict:
        return error
    talk_day = timezone.localdate(held_at)
    placed = False
    for row in formset.forms:
        try:
            talk_services.check_deadline(row.cleaned_data.get("deadline"), talk_day=talk_day)
        except ValidationError as refused:
            row.add_error("deadline", refused.message_dict["deadline"])
            placed = True
    rest = {field: errors for field, errors in error.message_dict.items() if field != "commitments" or not placed}
    return ValidationError(rest) if rest else None


def _visible_talk(request: HttpRequest, pk: int) -> Talk:
    return found_or_404(selectors.talk_get_visible(user=request.user, pk=pk))


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A talk record; its talker may correct it (POST) until they sign it."""
    talk = _visible_talk(request, pk)
    user = request_user(request)
    can_edit = not talk.is_signed and permissions.can_edit_talk(user, talk)
    form = None
    status = 200
    if request.method == "POST":
        if talk.is_signed:
            raise InvalidTransition(_("This talk record is signed and can no longer be changed."))
        if not can_edit:
            raise PermissionDenied
        form = case_forms.TalkForm(request.POST, recorders=selectors.recorder_choices(user=user, case=talk.case))
        if form.is_valid():
            try:
                talk_services.talk_update(
                    actor=user,
                    talk=talk,
                    kind=form.cleaned_data["kind"],
                    held_at=form.cleaned_data["held_at"],
                    place=form.cleaned_data["place"],
                    recorder=form.cleaned_data["recorder"],
                    purpose=form.cleaned_data["purpose"],
                    content=form.cleaned_data["content"],
                    statement=form.cleaned_data["statement"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The talk record was corrected."))
                return redirect("cases:rectification:talk_detail", pk=talk.pk)
        status = 400
    elif can_edit:
        initial = {
            "kind": talk.kind,
            "held_at": timezone.localtime(talk.held_at),
            "place": talk.place,
            "recorder": talk.recorder_id,
            "purpose": talk.purpose,
            "content": talk.content,
            "statement": talk.statement,
        }
        form = case_forms.TalkForm(initial=initial, recorders=selectors.recorder_choices(user=user, case=talk.case))
    context = {
        "talk": talk,
        "case": talk.case,
        "form": form,
        "can_sign": not talk.is_signed and permissions.can_sign_talk(user, talk),
        "commitments": list(talk.commitments.order_by("deadline", "pk")),
        "documents": selectors.talk_documents(talk),
    }
    return render(request, "cases/rectification/talk_detail.html", context, status=status)


@require_POST
@login_required
@case_errors
def talk_sign(request: HttpRequest, pk: int) -> HttpResponse:
    talk = _visible_talk(request, pk)
    talk_services.talk_sign(actor=request.user, talk=talk)
    messages.success(request, _("Signed. The record is final; the cadre is asked to acknowledge it."))
    return redirect("cases:rectification:talk_detail", pk=talk.pk)


@require_GET
@login_required
def my_talks(request: HttpRequest) -> HttpResponse:
    """The leader's work: the cases they lead (talks due first) and the records waiting for their signature."""
    user = request_user(request)
    cases = list(selectors.leader_cases(user=user))
    context = {
        "due": [case for case in cases if case.state == CaseState.TALKING and not getattr(case, "signed_talks", 0)],
        "cases": cases,
        "drafts": list(selectors.leader_drafts(user=user)),
    }
    return render(request, "cases/rectification/my_talks.html", context)


# --- the cadre's own pages --------------------------------------------------------------------------------


@require_GET
@login_required
def own_list(request: HttpRequest) -> HttpResponse:
    """The cadre's own cases and the talk records waiting for their answer."""
    context = {
        "cases": list(selectors.own_cases(user=request.user)),
        "to_answer": list(selectors.talks_to_answer(user=request.user).select_related("case")),
    }
    return render(request, "cases/rectification/own_list.html", context)


@require_GET
@login_required
def own_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cadre's summary: state, period, plan, talks to acknowledge, commitments. Never the evidence,
    the raters, colleagues' comments or visits."""
    case = found_or_404(selectors.case_get_own(user=request.user, pk=pk))
    today = timezone.localdate()
    talks = list(selectors.own_talks(case))
    records = selectors.latest_records(talks)
    context = {
        "case": case,
        "talk_rows": [(talk, records.get(talk.pk)) for talk in talks],
        "commitment_rows": [
            (item, item.is_overdue(today), item.status_label(today)) for item in selectors.case_commitments(case)
        ],
        "plan": period_services.latest_plan(case),
    }
    return render(request, "cases/rectification/own_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def talk_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The cadre reads a signed talk record and acknowledges it or records their dissent."""
    talk = found_or_404(selectors.talk_get_own(user=request.user, pk=pk))
    form = case_forms.AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        talk_services.talk_acknowledge(actor=request.user, talk=talk, dissent=form.cleaned_data["dissent"])
        messages.success(request, _("Your answer was recorded."))
        return redirect("cases:rectification:own_detail", pk=talk.case_id)
    context = {
        "talk": talk,
        "case": talk.case,
        "form": None if talk.is_answered else form,
        "commitments": list(talk.commitments.order_by("deadline", "pk")),
    }
    return render(request, "cases/rectification/acknowledge.html", context, status=400 if form.is_bound else 200)
