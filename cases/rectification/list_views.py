"""The organization department's case list (filters, sorting, pages with a bounded count), bulk determination of
the ticked nominated cases, and opening a case by hand.

Errors are mapped as on every case page (cases.rectification.views).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.rectification import forms as case_forms
from cases.rectification import selectors, services
from cases.rectification.models import (
    CaseState,
    Manifestation,
    RectificationCase,
)
from cases.rectification.views import case_errors
from project.http import add_service_errors, request_user
from project.org.models import Role, Unit, User
from project.org.permissions import grant_paths, is_org_admin

if TYPE_CHECKING:
    from django.db.models import QuerySet


DEFAULT_PAGE_SIZE = 25


# --- the list and bulk determination --------------------------------------------------------------------


class CasePaginator(Paginator):  # type: ignore[type-arg]  # (not subscriptable at run time)
    """Pages of the list's rows, counted on the cases themselves: a count of the rows' values() would keep
    the joins of the columns shown (inner joins, which PostgreSQL cannot drop), the cases need none.

    With `at_least`, the count is bounded: at most `at_least` rows, or the rows up to the requested page if
    more, plus one. Counting every visible case is a scan of them all (most of a large list's time); the page
    only needs to know whether there is a next page. `exact` says whether `count` is the total; if not, there
    are more than `count - 1` rows and the page after the requested one exists. Without it, the exact count.
    """

    def __init__(
        self,
        rows: Any,
        per_page: int,
        *,
        counted: QuerySet[RectificationCase],
        number: str | None,
        at_least: int | None,
    ) -> None:
        super().__init__(rows, per_page)
        self.counted = counted.order_by()  # which rows are counted does not matter, only how many
        try:
            requested = max(1, int(number or 1))
        except (TypeError, ValueError):
            requested = 1
        self.limit = None if at_least is None else max(at_least, requested * per_page) + 1
        self.exact = True

    @cached_property
    def count(self) -> int:
        if self.limit is None:
            return self.counted.count()
        counted = self.counted.values("pk")[: self.limit].count()
        self.exact = counted < self.limit
        return counted

    @property
    def at_least(self) -> int:
        """The number of rows the list is known to have more than (when not exact)."""
        return (self.limit or 1) - 1


@dataclass(frozen=True)
class CaseRow:
    """What a row of the list shows, as text: labels looked up once a page, not per row by the template
    (get_state_display and manifestation_labels translate every choice on each call)."""

    pk: str
    url: str
    cadre: str
    repeat_offence: bool
    unit: str
    nominated: bool
    state: str
    manifestations: tuple[str, ...]
    leader: str
    period_end: str
    overdue: bool
    period_over: bool


def _case_rows(cases: Iterable[dict[str, Any]]) -> list[CaseRow]:
    """The rows from the page's values() (a dict per case, LIST_COLUMNS): no case instances for a list."""
    states = {value: str(label) for value, label in CaseState.choices}
    manifestations = {value: str(label) for value, label in Manifestation.choices}
    return [
        CaseRow(
            pk=str(case["pk"]),
            url=reverse("cases:rectification:detail", args=[case["pk"]]),
            cadre=case["cadre__name"],
            repeat_offence=case["repeat_offence"],
            unit=case["unit__name"],
            nominated=case["state"] == CaseState.NOMINATED,
            state=states.get(case["state"], case["state"]),
            manifestations=tuple(manifestations.get(code, code) for code in case["manifestations"]),
            leader=_user_name(case, "leader__"),
            period_end=case["period_end"].isoformat() if case["period_end"] else "—",
            overdue=case["is_overdue"],
            period_over=case["period_over"],
        )
        for case in cases
    ]


def _user_name(row: dict[str, Any], prefix: str) -> str:
    """str(User) of the user whose fields the values() row holds under `prefix`; "—" if there is none."""
    if row[f"{prefix}username"] is None:
        return "—"
    return str(User(**{name: row[f"{prefix}{name}"] for name in USER_NAME_FIELDS}))


# Lists longer than this show "more than N cases" unless the user asks for the exact total (?count=all):
# a district's real lists are shorter, and the dashboard gives the totals by unit and state.
COUNT_AT_MOST = 1000


# What str(User) reads (project.org.models.User.__str__).
USER_NAME_FIELDS = ("display_name", "first_name", "last_name", "username")


# What a row of the list shows (the rest of a case, its long texts and evidence among them, is not read).
LIST_COLUMNS = (
    "pk",
    "state",
    "manifestations",
    "period_end",
    "repeat_offence",
    "cadre__name",
    "unit__name",
    *(f"leader__{name}" for name in USER_NAME_FIELDS),
    "is_overdue",
    "period_over",
)


def _subtree_ids(user: User, form: case_forms.CaseFilterForm, unit: Unit | None) -> tuple[int, ...] | None:
    """The ids of the chosen unit's subtree from the units the filter offers, when they are all among them:
    under a unit where the user holds a role (the filter offers whole subtrees there), or for a superuser.
    The user's own unit is offered without the units under it: then None, and case_list looks them up."""
    if unit is None:
        return None
    if user.is_superuser or any(unit.path.startswith(path) for path in grant_paths(user, set(Role))):
        return form.subtree_ids(unit)
    return None


@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may read: filters (unit, state, manifestation, overdue), sorting, pages.

    A constant number of queries whatever the page size: the page is one query (cadre, unit and leader
    joined, `is_overdue` computed in SQL), plus its count (bounded, see CasePaginator) and the filter's
    units (the chosen unit is taken from them).
    """
    user = request_user(request)
    today = timezone.localdate()
    units = [case_forms.UnitOption(*row) for row in selectors.filter_units(user=user).values_list("pk", "name", "path")]
    form = case_forms.CaseFilterForm(request.GET or None, units=units)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    unit = data.get("unit")
    filters = selectors.CaseFilters(
        unit=unit,
        unit_ids=_subtree_ids(user, form, unit),
        state=data.get("state") or "",
        manifestation=data.get("manifestation") or "",
        overdue=bool(data.get("overdue")),
        sort=data.get("sort") or selectors.DEFAULT_SORT,
    )
    size = data.get("size") or DEFAULT_PAGE_SIZE
    cases = selectors.case_list(user=user, today=today, filters=filters)
    number = request.GET.get("page")
    paginator = CasePaginator(
        cases.values(*LIST_COLUMNS),
        size,
        counted=cases,
        number=number,
        at_least=None if request.GET.get("count") == "all" else COUNT_AT_MOST,
    )
    page = paginator.get_page(number)
    rows = _case_rows(page)
    can_bulk = is_org_admin(user)
    draft = request.session.pop(BULK_DRAFT, None) if can_bulk else None  # a refused bulk step's ticks and text
    context = {
        "page": page,
        "rows": rows,
        "exact": paginator.exact,
        "bulk_possible": can_bulk and any(row.nominated for row in rows),
        "filter_form": form,
        "can_bulk": can_bulk,
        "bulk_form": case_forms.BulkForm(initial={"text": draft["text"]} if draft else None) if can_bulk else None,
        "ticked": set(draft["ticked"]) if draft else set(),
        "filters": request.GET.urlencode(),
        "can_open": can_bulk,
    }
    return render(request, "cases/rectification/list.html", context)


def _posted_ids(request: HttpRequest) -> list[int]:
    return sorted({int(value) for value in request.POST.getlist("case") if value.isdigit()})


@require_POST
@login_required
@case_errors
def case_bulk(request: HttpRequest) -> HttpResponse:
    """Confirm or dismiss the ticked nominated cases, all with the one note or reason typed."""
    user = request_user(request)
    if not is_org_admin(user):
        # Before the form: an empty or invalid submission must not tell anyone else "400, try again".
        raise PermissionDenied
    ids = _posted_ids(request)
    if ids and RectificationCase.objects.visible_to(user).filter(pk__in=ids).count() != len(ids):
        raise Http404
    form = case_forms.BulkForm(request.POST)
    if not ids:
        form.add_error(None, _("Tick at least one case."))
    if form.is_valid():
        text = form.cleaned_data["text"]
        try:
            if form.cleaned_data["action"] == "confirm":
                count = services.cases_confirm_bulk(actor=user, case_ids=ids, note=text)
                messages.success(request, _("%(n)s cases confirmed.") % {"n": count})
            else:
                count = services.cases_dismiss_bulk(actor=user, case_ids=ids, reason=text)
                messages.success(request, _("%(n)s cases dismissed.") % {"n": count})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_list_url(request.POST.get("filters", "")))
    # Back to the list as it was (its filters), with the ticks and the text kept for the next try and the
    # errors said at the top: nothing the person did is lost.
    request.session[BULK_DRAFT] = {"ticked": [str(pk) for pk in ids], "text": request.POST.get("text", "")}
    errors = [str(error) for error in form.non_field_errors()]
    errors += [f"{form[name].label}: {error}" for name in form.fields for error in form[name].errors]
    messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": " ".join(errors)})
    return redirect(_list_url(request.POST.get("filters", "")))


# The session key of a bulk determination that was refused: its ticks and text, put back by the next list page.
BULK_DRAFT = "cases.bulk_draft"


def _list_url(filters: str) -> str:
    """The case list with the filters it was sent from (re-encoded: only a query string, never another path)."""
    query = QueryDict(filters[:2000]).urlencode()
    return reverse("cases:rectification:list") + (f"?{query}" if query else "")


@require_http_methods(["GET", "POST"])
@login_required
@case_errors
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case outside any round (the organization department, for a cadre of its subtree)."""
    user = request_user(request)
    if not is_org_admin(user):
        raise PermissionDenied
    form = case_forms.OpenCaseForm(
        request.POST if request.method == "POST" else None, cadres=selectors.openable_cadres(user=user)
    )
    if form.is_valid():
        try:
            case = services.case_open_manually(
                actor=user,
                cadre=form.cleaned_data["cadre"],
                reason=form.cleaned_data["reason"],
                manifestations=form.cleaned_data["manifestations"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was opened; it now awaits the determination."))
            return redirect("cases:rectification:detail", pk=case.pk)
    return render(request, "cases/rectification/open.html", {"form": form}, status=400 if form.is_bound else 200)
