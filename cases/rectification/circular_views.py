"""Circular (通报) pages: the register (org_admin), drafting, a circular with its steps and PDF.

A circular the user may not see answers 404; the wrong state 409; the drafter approving 403. Reading an
unpublished circular is logged (`audit_log_read`).

The draft page's "Fill in from this case" posts the form as typed (`fill`): only empty fields are filled
and the page lists what was filled and what was kept, so nothing typed is lost. Each step's message says
what happened and what comes next.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.rectification import circulars, permissions
from cases.rectification.circular_drafts import REPEATED_FIELDS, circular_initial, fill_empty
from cases.rectification.circular_models import Circular, CircularState
from cases.rectification.forms import StyledForm
from cases.rectification.models import NAMEABLE_STATES, RectificationCase
from cases.rectification.views import case_errors
from project.audit.services import audit_log_read
from project.http import add_service_errors, found_or_404, request_user
from project.org.models import Role, Unit, User
from project.org.permissions import subtree_filter


class CircularForm(StyledForm):
    unit = forms.ModelChoiceField(label=gettext_lazy("issuing unit"), queryset=Unit.objects.none())
    issuing_body = forms.CharField(label=gettext_lazy("issuing body (发文机关)"), max_length=200)
    issuer_code = forms.CharField(label=gettext_lazy("issuer code (发文字号代字), e.g. 东组通"), max_length=20)
    title = forms.CharField(label=gettext_lazy("title (关于…的通报)"), max_length=200)
    addressees = forms.CharField(label=gettext_lazy("addressees (主送)"), max_length=500)
    facts = forms.CharField(label=gettext_lazy("facts (基本事实)"), widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.CharField(
        label=gettext_lazy("handling decision and basis (处理决定及依据)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    nature = forms.CharField(
        label=gettext_lazy("nature and harm (性质和危害)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    requirements = forms.CharField(
        label=gettext_lazy("requirements (引以为戒)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    cases = forms.ModelMultipleChoiceField(
        label=gettext_lazy("cases named"), queryset=RectificationCase.objects.none(), required=False
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], cases: QuerySet[RectificationCase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["cases"].queryset = cases  # type: ignore[attr-defined]


class WithdrawCircularForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 2}))


def _draftable_units(user: Any) -> QuerySet[Unit]:
    if user.is_superuser:
        return Unit.objects.order_by("path")
    return Unit.objects.filter(subtree_filter(user, {Role.ORG_ADMIN}, "path")).order_by("path")


def _nameable_cases(user: Any) -> QuerySet[RectificationCase]:
    """The cases the user may name, as `circulars.circular_create` requires: confirmed targets
    (`NAMEABLE_STATES`) of a unit where they may issue a circular, never their own (`visible_to`). The form takes
    its choices from here, so a case in another state is refused even when posted by hand."""
    return (
        RectificationCase.objects.visible_to(user)
        .filter(state__in=NAMEABLE_STATES, unit__in=_draftable_units(user))
        .select_related("cadre")
        .order_by("-created_at", "-pk")
    )


def _chosen_case(cases: QuerySet[RectificationCase], case_id: str) -> RectificationCase | None:
    named = case_id.isascii() and case_id.isdigit() and len(case_id) <= 12  # anything else names no case
    return cases.filter(pk=int(case_id)).select_related("unit", "cadre").first() if named else None


def _circular(request: HttpRequest, pk: int) -> Circular:
    circular = Circular.objects.visible_to(request.user).select_related("unit", "drafter", "approver").filter(pk=pk)
    return found_or_404(circular.first())


@require_GET
@login_required
def circular_list(request: HttpRequest) -> HttpResponse:
    """The register of circulars (通报登记): number, title, date, state, flagged for withdrawal."""
    user = request_user(request)
    rows = list(Circular.objects.visible_to(user).select_related("unit").order_by("-created_at", "-pk"))
    can_draft = _draftable_units(user).exists()
    return render(request, "cases/rectification/circulars/list.html", {"circulars": rows, "can_draft": can_draft})


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def circular_create(request: HttpRequest) -> HttpResponse:
    """Draft a circular (the organization department); `?case=` names a case to start with, and posting
    with `fill` fills the form's empty fields from the case chosen (`case`) without saving."""
    user = request_user(request)
    units = _draftable_units(user)
    if not units.exists():
        raise PermissionDenied
    nameable = _nameable_cases(user)
    if request.method == "POST" and request.POST.get("fill"):
        return _fill(request, user, units, nameable)
    case = _chosen_case(nameable, request.GET.get("case", ""))
    initial = circular_initial(user, case)
    posted = request.POST if request.method == "POST" else None
    form = CircularForm(posted, initial=initial, units=units, cases=nameable)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            circular = circulars.circular_create(
                actor=user,
                unit=data["unit"],
                issuing_body=data["issuing_body"],
                issuer_code=data["issuer_code"],
                title=data["title"],
                addressees=data["addressees"],
                facts=data["facts"],
                decision=data["decision"],
                nature=data["nature"],
                requirements=data["requirements"],
                cases=list(data["cases"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The circular was drafted."))
            return redirect("cases:rectification:circular_detail", pk=circular.pk)
    context = {"form": form, "start_cases": nameable, "start_case": case.pk if case else None}
    return render(request, "cases/rectification/circulars/form.html", context, status=400 if form.is_bound else 200)


def _fill(
    request: HttpRequest, user: User, units: QuerySet[Unit], nameable: QuerySet[RectificationCase]
) -> HttpResponse:
    """The draft form again, as typed, with its empty fields filled from the chosen case (and the previous
    circular); nothing is saved, nothing typed is replaced. The page lists what was filled and kept."""
    case = _chosen_case(nameable, request.POST.get("case", ""))
    result = fill_empty(request.POST, circular_initial(user, case) if case else {})
    form = CircularForm(initial=result.values, units=units, cases=nameable)
    label = {name: form.fields[name].label for name in form.fields}
    fill = {
        "case": case,
        "from_case": [label[name] for name in result.filled if name not in REPEATED_FIELDS],
        "from_previous": [label[name] for name in result.filled if name in REPEATED_FIELDS],
        "kept": [label[name] for name in result.kept],
    }
    context = {"form": form, "start_cases": nameable, "start_case": case.pk if case else None, "fill": fill}
    return render(request, "cases/rectification/circulars/form.html", context)


@require_GET
@login_required
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A circular with its allowed steps and, once published, its PDF. Reading an unpublished one is logged."""
    circular = _circular(request, pk)
    if circular.state in (CircularState.DRAFT, CircularState.SUBMITTED, CircularState.APPROVED):
        audit_log_read(actor=request.user, obj=circular, what="unpublished circular")
    from project.documents.models import Document

    documents = list(
        Document.objects.filter(
            kind=circulars.CIRCULAR_KIND, object_type=Circular._meta.label_lower, object_id=str(circular.pk)
        ).order_by("-created_at", "-pk")
    )
    context = {
        "circular": circular,
        "cases": list(circular.cases.select_related("cadre").order_by("pk")),
        "actions": permissions.circular_actions(request.user, circular),
        "withdraw_form": WithdrawCircularForm(),
        "documents": documents,
    }
    return render(request, "cases/rectification/circulars/detail.html", context)


@require_POST
@login_required
@case_errors
def circular_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """submit, approve, publish, withdraw: the service decides whether it is allowed now and for this person."""
    circular = _circular(request, pk)
    user = request_user(request)
    if action == "submit":
        circulars.circular_submit(actor=user, circular=circular)
        if not permissions.has_second_approver(circular):
            messages.warning(
                request,
                _(
                    "Submitted for approval, but nobody can approve it yet: a circular is approved by a second "
                    "person of the organization department over %(unit)s, never by its drafter, and there is "
                    "no such person. Ask for the organization department role to be granted to a second person."
                )
                % {"unit": circular.unit},
            )
        elif permissions.can_approve_circular(user, circular):  # the second-person rule
            messages.success(
                request,
                _(
                    "Submitted for approval. You did not draft it, so you may approve it yourself; otherwise "
                    "another person of the organization department approves it before it is published."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "Submitted for approval: a second person of the organization department approves it before "
                    "it is published."
                ),
            )
    elif action == "approve":
        circulars.circular_approve(actor=user, circular=circular)
        messages.success(
            request, _("Approved. It may now be published: publishing gives it its number and prepares the PDF.")
        )
    elif action == "publish":
        published = circulars.circular_publish(actor=user, circular=circular)
        messages.success(
            request,
            _("Published as %(number)s. The PDF is being prepared; it appears on this page once it is ready.")
            % {"number": published.number},
        )
    elif action == "withdraw":
        form = WithdrawCircularForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "cases/rectification/circulars/detail.html",
                {
                    "circular": circular,
                    "cases": list(circular.cases.select_related("cadre").order_by("pk")),
                    "actions": permissions.circular_actions(user, circular),
                    "withdraw_form": form,
                    "documents": [],
                },
                status=400,
            )
        circulars.circular_withdraw(actor=user, circular=circular, reason=form.cleaned_data["reason"])
        messages.success(request, _("The circular was withdrawn; the reason is recorded with it."))
    else:
        raise Http404
    return redirect("cases:rectification:circular_detail", pk=circular.pk)
