"""Matter pages: staff list, detail, checklist (with the htmx recommendation), decision; the cadre's own
pages; pre-registrations; the evidence download.

Mapping of errors: a matter the user may not see → 404 (exactly like a missing one); InvalidTransition
→ 409 page with its message; PermissionDenied → 403 (with its message when it has one); a service's
ValidationError → the form again with everything entered (400).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from cases.actions import Action, action_post
from cases.fault_tolerance import AnswerError, Assessment, assess, load_ruleset
from cases.matters import decision_services, permissions, selectors, services
from cases.matters import forms as matter_forms
from cases.matters.models import (
    AccountabilityMatter,
    ApplicantKind,
    ChecklistAnswer,
    MatterState,
    Outcome,
)
from project.audit.services import audit_log_read
from project.http import add_service_errors, domain_errors, found_or_404, request_user
from project.org.models import Cadre, Role, User
from project.org.permissions import is_org_admin, subtree_filter

PAGE_SIZE = 25


_domain_errors = domain_errors(
    conflict_template="cases/matters/conflict.html", forbidden_template="cases/matters/forbidden.html"
)


def _visible(request: HttpRequest, pk: int) -> AccountabilityMatter:
    return found_or_404(selectors.matter_get_visible(user=request.user, pk=pk))


def _reasons_language() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


# --- list and receive ---------------------------------------------------------------------------------


@require_GET
@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    """Matters the user may read (assigned, or in their subtree), filterable by state and overdue."""
    today = timezone.localdate()
    state = request.GET.get("state", "")
    state = state if state in MatterState.values else ""
    overdue = request.GET.get("overdue") == "1"
    matters = selectors.matter_list(user=request.user, today=today, state=state, overdue=overdue)
    page = Paginator(matters, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(matter, matter.is_overdue(today)) for matter in page]
    context = {
        "page": page,
        "rows": rows,
        "states": MatterState.choices,
        "state": state,
        "overdue": overdue,
        "can_receive": is_org_admin(request.user),
    }
    return render(request, "cases/matters/list.html", context)


def _receivable_cadres(user: User) -> Any:
    if user.is_superuser:
        return Cadre.objects.select_related("unit")
    return Cadre.objects.filter(subtree_filter(user, {Role.ORG_ADMIN}, "unit__path")).select_related("unit")


@require_http_methods(["GET", "POST"])
@login_required
def matter_receive(request: HttpRequest) -> HttpResponse:
    """Register a matter (登记): the organization department, for a cadre in its subtree."""
    user = request_user(request)
    if not is_org_admin(user):
        raise PermissionDenied
    cadres = _receivable_cadres(user)
    data = request.POST if request.method == "POST" else None
    form = matter_forms.MatterReceiveForm(data, cadres=cadres, initial={"received_on": timezone.localdate()})
    if form.is_valid():
        try:
            matter = services.matter_receive(
                actor=user,
                cadre=form.cleaned_data["cadre"],
                title=form.cleaned_data["title"],
                facts=form.cleaned_data["facts"],
                is_inaction=form.cleaned_data["is_inaction"],
                received_on=form.cleaned_data["received_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The matter was registered."))
            return redirect("cases:matters:detail", pk=matter.pk)
    status = 400 if form.is_bound else 200
    return render(request, "cases/matters/receive.html", {"form": form}, status=status)


# --- detail and actions -----------------------------------------------------------------------------


def _plain(data: Any, matter: AccountabilityMatter, user: User) -> forms.Form:
    return forms.Form(data)


def _task(matter: AccountabilityMatter, form: forms.Form) -> Any:
    return found_or_404(matter.correction_tasks.filter(pk=form.cleaned_data["task"]).first())


class _VerifyForm(matter_forms.VerifyForm):
    task = forms.IntegerField(widget=forms.HiddenInput)


ACTIONS: dict[str, Action[AccountabilityMatter]] = {
    "assign": Action(
        lambda d, m, u: matter_forms.AssignReviewerForm(d, matter=m),
        lambda u, m, f: services.matter_assign_reviewer(
            actor=u, matter=m, user=f.cleaned_data["user"], committee_chair=f.cleaned_data["committee_chair"]
        ),
        gettext_lazy("Reviewer assigned."),
    ),
    "apply": Action(
        lambda d, m, u: matter_forms.ApplyForm(d),
        lambda u, m, f: services.matter_apply(
            actor=u, matter=m, applicant_kind=f.cleaned_data["applicant_kind"], statement=f.cleaned_data["statement"]
        ),
        gettext_lazy("The application was recorded."),
    ),
    "accept": Action(
        _plain, lambda u, m, f: services.matter_accept(actor=u, matter=m), gettext_lazy("Accepted (受理).")
    ),
    "reject": Action(
        lambda d, m, u: matter_forms.ReasonForm(d),
        lambda u, m, f: services.matter_reject(actor=u, matter=m, reason=f.cleaned_data["reason"]),
        gettext_lazy("Not accepted (不予受理)."),
    ),
    "start_investigation": Action(
        _plain,
        lambda u, m, f: services.matter_start_investigation(actor=u, matter=m),
        gettext_lazy("The investigation has started; the checklist is ready."),
    ),
    "extend": Action(
        lambda d, m, u: matter_forms.ExtendForm(d),
        lambda u, m, f: services.matter_extend_investigation(
            actor=u, matter=m, until=f.cleaned_data["until"], reason=f.cleaned_data["reason"]
        ),
        gettext_lazy("The investigation was extended."),
    ),
    "recommend": Action(
        _plain,
        lambda u, m, f: services.matter_recommend(actor=u, matter=m),
        gettext_lazy("The recommendation was recorded."),
        page="decision",
    ),
    "appeal": Action(
        lambda d, m, u: matter_forms.ReasonForm(d),
        lambda u, m, f: decision_services.matter_appeal(actor=u, matter=m, reason=f.cleaned_data["reason"]),
        gettext_lazy("The appeal was recorded."),
    ),
    "propose": Action(
        lambda d, m, u: matter_forms.ProposeForm(d, initial={"outcome": m.recommended_outcome}),
        lambda u, m, f: decision_services.decision_propose(
            actor=u, matter=m, outcome=f.cleaned_data["outcome"], justification=f.cleaned_data["justification"]
        ),
        gettext_lazy("Proposed. A second, different person must confirm it."),
        page="decision",
    ),
    "confirm": Action(
        _plain,
        lambda u, m, f: decision_services.decision_confirm(actor=u, matter=m),
        gettext_lazy("The decision is recorded."),
        page="decision",
    ),
    "decline": Action(
        lambda d, m, u: matter_forms.ReasonForm(d),
        lambda u, m, f: decision_services.decision_decline(actor=u, matter=m, reason=f.cleaned_data["reason"]),
        gettext_lazy("The proposal was declined."),
        page="decision",
    ),
    "task_add": Action(
        lambda d, m, u: matter_forms.CorrectionTaskForm(d, matter=m),
        lambda u, m, f: decision_services.correction_task_add(
            actor=u,
            matter=m,
            owner=f.cleaned_data["owner"],
            description=f.cleaned_data["description"],
            deadline=f.cleaned_data["deadline"],
        ),
        gettext_lazy("Correction task added."),
        page="decision",
    ),
    "verify": Action(
        lambda d, m, u: _VerifyForm(d),
        lambda u, m, f: decision_services.correction_task_verify(
            actor=u, task=_task(m, f), note=f.cleaned_data["note"]
        ),
        gettext_lazy("Correction task verified."),
        page="decision",
    ),
    "feedback": Action(
        lambda d, m, u: matter_forms.FeedbackForm(d),
        lambda u, m, f: decision_services.feedback_record(actor=u, matter=m, text=f.cleaned_data["text"]),
        gettext_lazy("Feedback recorded; the applicant can read it."),
    ),
    "filing": Action(
        lambda d, m, u: matter_forms.FilingForm(d, initial={"filed_on": timezone.localdate()}),
        lambda u, m, f: decision_services.filing_record(
            actor=u, matter=m, filed_on=f.cleaned_data["filed_on"], filed_with=f.cleaned_data["filed_with"]
        ),
        gettext_lazy("Filing (备案) recorded."),
    ),
    "publicity": Action(
        lambda d, m, u: matter_forms.PublicityForm(d, initial={"cleared_on": timezone.localdate()}),
        lambda u, m, f: decision_services.publicity_record(
            actor=u, matter=m, cleared_on=f.cleaned_data["cleared_on"], text=f.cleaned_data["text"]
        ),
        gettext_lazy("Clearing of the name (澄清正名) recorded."),
    ),
    "close": Action(
        _plain, lambda u, m, f: decision_services.matter_close(actor=u, matter=m), gettext_lazy("Closed (办结).")
    ),
    "link_prereg": Action(
        lambda d, m, u: matter_forms.PreregLinkForm(d, matter=m, user=u),
        lambda u, m, f: services.prereg_link(actor=u, matter=m, prereg=f.cleaned_data["prereg"]),
        gettext_lazy("Pre-registration linked as evidence."),
    ),
}

_DETAIL_FORMS = ("assign", "apply", "reject", "extend", "appeal", "feedback", "filing", "publicity", "link_prereg")
_DECISION_FORMS = ("propose", "decline", "task_add")


def _forms(
    names: tuple[str, ...],
    matter: AccountabilityMatter,
    user: User,
    allowed: dict[str, bool],
    bound: dict[str, forms.Form],
) -> dict[str, forms.Form]:
    return {name: bound.get(name) or ACTIONS[name].form(None, matter, user) for name in names if allowed.get(name)}


def _actions(user: User, matter: AccountabilityMatter) -> dict[str, bool]:
    allowed = permissions.matter_actions(user, matter)
    pending = decision_services.pending_decision(matter) if matter.state == MatterState.RECOMMENDED else None
    allowed["confirm"] = allowed["decline"] = pending is not None and permissions.can_confirm_decision(
        user, matter, pending
    )
    allowed["propose"] = allowed["propose"] and pending is None
    allowed["task_add"] = allowed["tasks"]
    allowed["checklist"] = bool(matter.ruleset)
    return allowed


def _detail_page(
    request: HttpRequest, matter: AccountabilityMatter, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    allowed = _actions(user, matter)
    context = {
        "matter": matter,
        "actions": allowed,
        "forms": _forms(_DETAIL_FORMS, matter, user, allowed, bound or {}),
        "overdue": matter.is_overdue(timezone.localdate()),
        "reviewers": list(matter.reviewers.select_related("user").order_by("-committee_chair", "assigned_at")),
        "preregistrations": list(matter.preregistrations.all()),
        "feedback": list(selectors.matter_feedback(matter)),
        "timeline": list(selectors.matter_timeline(matter)),
    }
    return render(request, "cases/matters/detail.html", context, status=status)


def _decision_page(
    request: HttpRequest, matter: AccountabilityMatter, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    allowed = _actions(user, matter)
    tasks = list(matter.correction_tasks.select_related("owner", "verified_by"))
    task_rows = [
        (task, allowed["verify"] and not task.is_verified and permissions.can_verify_correction(user, task))
        for task in tasks
    ]
    language = _reasons_language()
    context = {
        "matter": matter,
        "actions": allowed,
        "forms": _forms(_DECISION_FORMS, matter, user, allowed, bound or {}),
        "recommended_label": Outcome(matter.recommended_outcome).label if matter.recommended_outcome else "",
        "recommendation_reasons": matter.recommendation.get("reasons", {}).get(language, []),
        "pending": decision_services.pending_decision(matter),
        "decisions": list(selectors.matter_decisions(matter)),
        "task_rows": task_rows,
        "letters": selectors.decision_letters(matter),
    }
    return render(request, "cases/matters/decision.html", context, status=status)


@require_GET
@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _visible(request, pk)
    audit_log_read(actor=request.user, obj=matter, what="file")
    return _detail_page(request, matter)


@require_GET
@login_required
def matter_decision(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _visible(request, pk)
    audit_log_read(actor=request.user, obj=matter, what="decision")
    return _decision_page(request, matter)


@require_POST
@login_required
@_domain_errors
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per step; the service decides whether it is allowed now and for this person."""
    matter = _visible(request, pk)
    pages = {"detail": _detail_page, "decision": _decision_page}
    return action_post(request, matter, action, ACTIONS, namespace="cases:matters", pages=pages)


# --- checklist ----------------------------------------------------------------------------------------


def _checklist_page(
    request: HttpRequest,
    matter: AccountabilityMatter,
    form: matter_forms.ChecklistForm,
    rows: dict[str, ChecklistAnswer],
    assessment: Assessment,
    status: int = 200,
) -> HttpResponse:
    sections = [
        {
            "title": section.title,
            "key": section.key,
            "items": [
                {
                    "criterion": criterion,
                    "answer": form[f"answer_{criterion.id}"],
                    "note": form[f"note_{criterion.id}"],
                    "file": form[f"file_{criterion.id}"],
                    "row": rows.get(criterion.id),
                }
                for criterion in section.criteria
            ],
        }
        for section in selectors.checklist_sections(form.ruleset)
    ]
    context = {
        "matter": matter,
        "form": form,
        "sections": sections,
        "can_answer": permissions.can_answer_checklist(request.user, matter)
        and matter.state == MatterState.INVESTIGATING,
        "ruleset": form.ruleset,
        # Each criterion in the reader's language; in English with the ruleset's authoritative Chinese beside it.
        "checklist_in_english": (get_language() or "").startswith("en"),
        **_recommendation_context(assessment),
    }
    return render(request, "cases/matters/checklist.html", context, status=status)


def _recommendation_context(assessment: Assessment) -> dict[str, Any]:
    language = _reasons_language()
    return {
        "assessment": assessment,
        "outcome_label": Outcome(assessment.outcome.value).label,
        "reasons": getattr(assessment.reasons, language),
    }


@require_http_methods(["GET", "POST"])
@login_required
@_domain_errors
def matter_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer's checklist: every criterion of the pinned ruleset, with the live recommendation.

    Readable by whoever may read the file (auditors, the org_admin: read-only); saved by assigned
    reviewers while the matter is under investigation. Every view is logged as a read of the file.
    """
    matter = _visible(request, pk)
    if not matter.ruleset:
        return render(
            request,
            "cases/matters/conflict.html",
            {"message": _("The checklist opens when the investigation starts.")},
            status=409,
        )
    ruleset = load_ruleset(matter.ruleset)
    rows = selectors.answers_by_criterion(matter)
    user = request_user(request)
    can_answer = permissions.can_answer_checklist(user, matter) and matter.state == MatterState.INVESTIGATING
    if request.method == "POST":
        form = matter_forms.ChecklistForm(request.POST, request.FILES, ruleset=ruleset, rows=rows)
        if form.is_valid():
            try:
                services.checklist_save(actor=user, matter=matter, answers=form.answer_inputs())
            except ValidationError as error:
                _add_checklist_errors(form, error)
            else:
                messages.success(request, _("The checklist was saved."))
                return redirect("cases:matters:checklist", pk=matter.pk)
        assessment = _assess_or_unknown(ruleset, matter_forms.posted_answers(ruleset, request.POST))
        return _checklist_page(request, matter, form, rows, assessment, status=400)
    audit_log_read(actor=user, obj=matter, what="checklist")
    form = matter_forms.ChecklistForm(ruleset=ruleset, rows=rows, disabled=not can_answer)
    assessment = assess(ruleset, {cid: row.value for cid, row in rows.items()})
    return _checklist_page(request, matter, form, rows, assessment)


def _add_checklist_errors(form: matter_forms.ChecklistForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, messages_ in error.message_dict.items():
            field = f"file_{key}" if f"file_{key}" in form.fields else None
            form.add_error(field, messages_)
    else:
        form.add_error(None, error.messages)


def _assess_or_unknown(ruleset: Any, answers: dict[str, str]) -> Assessment:
    try:
        return assess(ruleset, answers)
    except AnswerError:
        return assess(ruleset, {})


@require_POST
@login_required
def checklist_recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the engine's recommendation for the answers as posted (nothing is saved)."""
    matter = _visible(request, pk)
    if not matter.ruleset:
        raise Http404
    ruleset = load_ruleset(matter.ruleset)
    try:
        assessment = assess(ruleset, matter_forms.posted_answers(ruleset, request.POST))
    except AnswerError as error:
        return HttpResponseBadRequest(" ".join(services.answer_refusal(error).messages))
    return render(request, "cases/matters/_recommendation.html", _recommendation_context(assessment))


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, as an attachment, for whoever may read the matter file; logged."""
    row = found_or_404(ChecklistAnswer.objects.filter(pk=pk).exclude(attachment="").first())
    matter = _visible(request, row.matter_id)  # 404 for a matter the user may not see, as for no such file
    try:
        handle = row.attachment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_log_read(actor=request.user, obj=matter, what=f"attachment {row.criterion_id}")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=row.attachment_name or f"evidence-{row.criterion_id}",
        content_type=row.attachment_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the cadre's own pages ------------------------------------------------------------------------------


def _own(request: HttpRequest, pk: int) -> AccountabilityMatter:
    return found_or_404(selectors.matter_get_own(user=request.user, pk=pk))


@require_GET
@login_required
def own_list(request: HttpRequest) -> HttpResponse:
    """The cadre's own matters and the effect of any exemption on their record."""
    own_cadre = Cadre.objects.filter(user=request.user).first()  # type: ignore[misc]
    today = timezone.localdate()
    context = {
        "matters": list(selectors.own_matters(user=request.user)),
        "effects": list(selectors.no_negative_evaluation_effects(own_cadre, today)) if own_cadre else [],
        "own_cadre": own_cadre,
    }
    return render(request, "cases/matters/own_list.html", context)


def _own_page(
    request: HttpRequest, matter: AccountabilityMatter, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request_user(request)
    can_apply = can_proceed(matter.apply) and permissions.can_apply_matter(user, matter, ApplicantKind.CADRE)
    can_appeal = can_proceed(matter.appeal) and permissions.can_appeal_matter(user, matter)
    letters = [doc for doc in selectors.decision_letters(matter) if doc.is_rendered]
    context = {
        "matter": matter,
        "apply_form": bound.get("apply") or (matter_forms.OwnApplyForm() if can_apply else None),
        "appeal_form": bound.get("appeal") or (matter_forms.ReasonForm() if can_appeal else None),
        "feedback": list(selectors.matter_feedback(matter)),
        "letters": letters,
        "effects": list(
            selectors.no_negative_evaluation_effects(matter.cadre, timezone.localdate()).filter(
                source=f"matter:{matter.pk}"
            )
        ),
    }
    return render(request, "cases/matters/own_detail.html", context, status=status)


@require_GET
@login_required
def own_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cadre's view of their matter: application, status, feedback, the letter. Never the file."""
    return _own_page(request, _own(request, pk))


@require_POST
@login_required
@_domain_errors
def own_apply(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _own(request, pk)
    form = matter_forms.OwnApplyForm(request.POST)
    if form.is_valid():
        try:
            services.matter_apply(
                actor=request.user,
                matter=matter,
                applicant_kind=ApplicantKind.CADRE,
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your application was submitted."))
            return redirect("cases:matters:own_detail", pk=matter.pk)
    return _own_page(request, matter, {"apply": form}, status=400)


@require_POST
@login_required
@_domain_errors
def own_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _own(request, pk)
    form = matter_forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            decision_services.matter_appeal(actor=request.user, matter=matter, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your appeal was submitted."))
            return redirect("cases:matters:own_detail", pk=matter.pk)
    return _own_page(request, matter, {"appeal": form}, status=400)


# --- pre-registration (容错报备) --------------------------------------------------------------------------


def _prereg_cadres(user: User) -> Any:
    if user.is_superuser:
        return Cadre.objects.select_related("unit")
    scope = subtree_filter(user, {Role.ORG_ADMIN}, "unit__path") | Q(user=user)
    return Cadre.objects.filter(scope).select_related("unit")


@require_GET
@login_required
def prereg_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.prereg_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = _prereg_cadres(request_user(request)).exists()
    return render(request, "cases/matters/prereg_list.html", {"page": page, "can_create": can_create})


@require_http_methods(["GET", "POST"])
@login_required
def prereg_create(request: HttpRequest) -> HttpResponse:
    """容错报备: the cadre for themself, the organization department for a cadre of its subtree."""
    user = request_user(request)
    cadres = _prereg_cadres(user)
    if not cadres.exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    own = cadres.filter(user=user).first()
    initial = {"registered_on": timezone.localdate(), "cadre": own.pk if own else None}
    form = matter_forms.PreregForm(data, cadres=cadres, initial=initial)
    if form.is_valid():
        try:
            services.prereg_create(
                actor=user,
                cadre=form.cleaned_data["cadre"],
                measure=form.cleaned_data["measure"],
                risks=form.cleaned_data["risks"],
                registered_on=form.cleaned_data["registered_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The measure was pre-registered (容错报备)."))
            return redirect("cases:matters:prereg_list")
    return render(request, "cases/matters/prereg_form.html", {"form": form}, status=400 if form.is_bound else 200)
