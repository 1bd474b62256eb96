"""Round pages, the anonymous ballot, and self/leader rating pages.

Errors map one way everywhere: a round the user may not see → 404 (selectors); PermissionDenied →
403; InvalidTransition / RatingAlreadySubmitted → 409 with the service's message; a used or closed
ballot → 410; an unknown ballot → 404 (both on a friendly page that needs no login).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evaluations import identification, results, selectors, services
from evaluations.documents import KIND as RESULT_CARD_KIND
from evaluations.documents import document_title
from evaluations.exceptions import (
    BallotNotFound,
    BallotUnavailable,
    EvaluationError,
    InvalidTransition,
    RatingAlreadySubmitted,
    ResultsNotReady,
)
from evaluations.exports import results_workbook
from evaluations.forms import RatingSheetForm, RoundForm
from evaluations.models import RoundState
from evaluations.permissions import (
    allowed_round_actions,
    can_create_round,
    can_identify_round,
    can_manage_round,
    can_view_rating_comments,
)
from evaluations.printing import token_sheet
from project.audit.services import audit_log_read
from project.documents.selectors import documents_of
from project.documents.services import document_request
from project.org.models import Role, Unit
from project.org.permissions import subtree_filter

if TYPE_CHECKING:
    from evaluations.models import EvaluationRound, RoundResultSummary
    from evaluations.services import IssuedToken
    from project.org.models import User


def _conflict(request: HttpRequest, error: EvaluationError, round: EvaluationRound | None = None) -> HttpResponse:
    return render(request, "evaluations/conflict.html", {"message": error.message, "round": round}, status=409)


@require_GET
@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.round_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "evaluations/round_list.html", {"page": page, "can_create": can_create_round(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can_create_round(user):
        raise PermissionDenied
    scopes = (
        Unit.objects.all() if user.is_superuser else Unit.objects.filter(subtree_filter(user, {Role.ORG_ADMIN}, "path"))
    )
    form = RoundForm(request.POST or None, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round = services.round_create(
                actor=user,
                title=data["title"],
                scope=data["scope"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                options=form.options(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The round was created as a draft."))
            return redirect("evaluations:round_detail", pk=round.pk)
    return render(request, "evaluations/round_form.html", {"form": form})


@require_GET
@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    context = {
        "round": round,
        "manifestations": selectors.manifestations_of(round.pk),
        "turnout": selectors.round_turnout(round=round) if round.state != RoundState.DRAFT else [],
        "progress": selectors.round_progress(round=round) if round.state != RoundState.DRAFT else [],
        "actions": allowed_round_actions(request.user, round),
        "can_reissue": round.state == RoundState.OPEN and can_manage_round(request.user, round),
    }
    return render(request, "evaluations/round_detail.html", context)


def _token_sheet_response(request: HttpRequest, round: EvaluationRound, tokens: list[IssuedToken]) -> HttpResponse:
    """The printable slips, in the response to the POST that created them: never stored, never cached."""

    def url_for(token: str) -> str:
        return request.build_absolute_uri(reverse("evaluations:ballot", args=[token]))

    context = {"round": round, "units": token_sheet(tokens, url_for), "count": len(tokens)}
    response = render(request, "evaluations/token_sheet.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_POST
@login_required
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        opened = services.round_open(actor=request.user, round=round)  # type: ignore[arg-type]
    except InvalidTransition as error:
        return _conflict(request, error, round)
    return _token_sheet_response(request, opened.round, opened.tokens)


@require_POST
@login_required
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        services.round_close(actor=request.user, round=round)  # type: ignore[arg-type]
    except InvalidTransition as error:
        return _conflict(request, error, round)
    messages.success(request, _("The round is closed. Its ballots can no longer be used."))
    return redirect("evaluations:round_detail", pk=round.pk)


@require_POST
@login_required
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        services.round_publish(actor=request.user, round=round)  # type: ignore[arg-type]
    except InvalidTransition as error:
        return _conflict(request, error, round)
    messages.success(request, _("The round's results are published."))
    return redirect("evaluations:round_detail", pk=round.pk)


@never_cache
@require_POST
@login_required
def tokens_reissue(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    unit = get_object_or_404(Unit, pk=unit_pk, path__startswith=round.scope.path)
    try:
        tokens = services.tokens_reissue(actor=request.user, round=round, unit=unit)  # type: ignore[arg-type]
    except InvalidTransition as error:
        return _conflict(request, error, round)
    return _token_sheet_response(request, round, tokens)


@require_GET
@login_required
def my_evaluations(request: HttpRequest) -> HttpResponse:
    ratings = list(selectors.ratings_assigned(user=request.user))
    return render(request, "evaluations/my_evaluations.html", {"ratings": ratings})


@require_http_methods(["GET", "POST"])
@login_required
def rating_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-evaluation or leader rating page: one cadre, signed by the logged-in rater."""
    rating = selectors.rating_get(user=request.user, pk=pk)
    form = RatingSheetForm(
        request.POST or None, subjects=[rating.subject], manifestations=selectors.manifestations_of(rating.round_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.identified_rating_submit(actor=request.user, rating=rating, data=form.ratings()[0])  # type: ignore[arg-type]
        except (InvalidTransition, RatingAlreadySubmitted) as error:
            return _conflict(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your rating was submitted. Thank you."))
            return redirect("evaluations:my_evaluations")
    return render(request, "evaluations/rating_form.html", {"rating": rating, "form": form})


def _ballot_unavailable(request: HttpRequest, error: EvaluationError) -> HttpResponse:
    status = 404 if isinstance(error, BallotNotFound) else 410
    response = render(request, "evaluations/ballot_unavailable.html", {"message": error.message}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous peer ballot (no login): every colleague on the sheet, every manifestation."""
    try:
        sheet = selectors.ballot_by_token(token)
    except (BallotNotFound, BallotUnavailable) as error:
        return _ballot_unavailable(request, error)
    form = RatingSheetForm(request.POST or None, subjects=sheet.subjects, manifestations=sheet.manifestations)
    if request.method == "POST" and form.is_valid():
        try:
            services.ballot_submit(token=token, ratings=form.ratings())
        except (BallotNotFound, BallotUnavailable) as error:
            return _ballot_unavailable(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("evaluations:ballot_thanks")
    response = render(request, "evaluations/ballot.html", {"round": sheet.round, "form": form})
    # The token is in the URL: keep it out of Referer headers to other sites. Not "no-referrer": with it a
    # browser sends `Origin: null` with the form's POST, which Django's CSRF check refuses (403).
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def ballot_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluations/ballot_thanks.html")


# --- Results: only after the round closes, and frozen --------------------------------------------


# What the overview calls each flag when it counts cadres per flag (the sentences are on the cards).
FLAG_NAMES: dict[str, tuple[str, str]] = {
    "composite": ("综合指数达到阈值", "composite index at or above the threshold"),
    "unfavourable_share": ("“基本称职”“不称职”占比达到阈值", "unfavourable grades at or above the share"),
    "relapse": ("屡教不改（24 个月内结案）", "relapse (a case closed within 24 months)"),
    "blind_spot": ("自我认知盲区（仅供参考）", "blind spot (shown, not decisive)"),
}


def _identify_button(request: HttpRequest, round: EvaluationRound) -> bool:
    return round.state == RoundState.CLOSED and can_identify_round(request.user, round)


def _distribution_chart(summary: RoundResultSummary) -> tuple[dict[str, object], list[tuple[str, int]]]:
    """What static/evaluations/results-chart.js draws, handed over as JSON (json_script, never inline JS),
    and the same figures as table rows for those who do not see the chart."""
    labels = [f"{item['lower']:.1f}–{item['upper']:.1f}" for item in summary.distribution]
    counts = [int(item["count"]) for item in summary.distribution]
    chart = {"labels": labels, "counts": counts, "label": _("Cadres"), "xTitle": _("Composite index (higher is worse)")}
    return chart, list(zip(labels, counts, strict=True))


@require_GET
@login_required
def results_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's results: turnout per unit, the composite distribution, candidates per unit — once frozen.

    Before that: what state the round is in, the progress of a running identification, and the button.
    """
    round = selectors.round_get(user=request.user, pk=pk)
    summary = results.results_summary(round=round)
    context: dict[str, object] = {
        "round": round,
        "summary": summary,
        "run": None if summary else results.results_run(round=round),
        "can_identify": summary is None and _identify_button(request, round),
    }
    if summary is not None:
        context["chart"], context["chart_rows"] = _distribution_chart(summary)
        context["flag_counts"] = [
            (results.pick(*FLAG_NAMES[code]), count)
            for code, count in summary.flag_counts.items()
            if code in FLAG_NAMES
        ]
    return render(request, "evaluations/results/overview.html", context)


@require_POST
@login_required
def results_identify(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        run = identification.round_identify(actor=request.user, round=round)  # type: ignore[arg-type]
    except InvalidTransition as error:
        return _conflict(request, error, round)
    if run.is_done:
        messages.success(request, _("The candidates are identified and the results are frozen."))
    else:
        messages.info(request, _("The identification is running; this page follows its progress."))
    return redirect("evaluations:results", pk=round.pk)


@require_GET
@login_required
def results_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial that polls itself every second while the identification runs.

    Once it is done the response tells htmx to reload the page (HX-Refresh), which then shows the results.
    """
    round = selectors.round_get(user=request.user, pk=pk)
    run = results.results_run(round=round)
    if run is None:
        raise Http404
    context = {"round": round, "run": run, "can_identify": _identify_button(request, round)}
    response = render(request, "evaluations/results/_progress.html", context)
    if run.is_done and request.htmx:  # type: ignore[attr-defined]
        response["HX-Refresh"] = "true"
    return response


RESULTS_PER_PAGE = 100


@require_GET
@login_required
def result_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate list with the reasons (zh or en by the reader's language); `?all=1` lists every cadre."""
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        summary = results.results_require(round=round)
    except ResultsNotReady as error:
        return _conflict(request, error, round)
    everyone = request.GET.get("all") == "1"
    page = Paginator(results.result_list(round=round, candidates_only=not everyone), RESULTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    manifestations = results.manifestations_of(round)
    weights = results.round_weights(round)
    cards = [results.present(result, manifestations, weights) for result in page]
    context = {"round": round, "summary": summary, "page": page, "cards": cards, "everyone": everyone}
    return render(request, "evaluations/results/list.html", context)


@require_GET
@login_required
def result_card(request: HttpRequest, pk: int, cadre_pk: int) -> HttpResponse:
    """One cadre's frozen result card, with its PDF. Comments are on their own (audited) page."""
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        results.results_require(round=round)
    except ResultsNotReady as error:
        return _conflict(request, error, round)
    result = results.result_get(round=round, cadre_pk=cadre_pk)
    card = results.present(result, results.manifestations_of(round), results.round_weights(round))
    context = {
        "round": round,
        "result": result,
        "card": card,
        "documents": documents_of(user=request.user, obj=result, kind=RESULT_CARD_KIND),
        "can_view_comments": can_view_rating_comments(request.user, round),
    }
    return render(request, "evaluations/results/card.html", context)


@require_POST
@login_required
def result_card_pdf(request: HttpRequest, pk: int, cadre_pk: int) -> HttpResponse:
    """Ask for the card's PDF (rendered by the pdf worker); the card page shows its status."""
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        results.results_require(round=round)
    except ResultsNotReady as error:
        return _conflict(request, error, round)
    result = results.result_get(round=round, cadre_pk=cadre_pk)
    document_request(actor=request.user, kind=RESULT_CARD_KIND, obj=result, title=document_title(result))
    return redirect("evaluations:result_card", pk=round.pk, cadre_pk=cadre_pk)


@never_cache
@require_GET
@login_required
def result_comments(request: HttpRequest, pk: int, cadre_pk: int) -> HttpResponse:
    """The free-text comments on one cadre: organization department only, and every view is audited."""
    round = selectors.round_get(user=request.user, pk=pk)
    if not can_view_rating_comments(request.user, round):
        raise PermissionDenied
    try:
        results.results_require(round=round)
    except ResultsNotReady as error:
        return _conflict(request, error, round)
    result = results.result_get(round=round, cadre_pk=cadre_pk)
    comments = results.result_comments(result=result)
    audit_log_read(actor=request.user, obj=result, what="comments")
    context = {"round": round, "result": result, "comments": comments, "withheld": results.withheld_text()}
    return render(request, "evaluations/results/comments.html", context)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every cadre's frozen figures as XLSX (k applied as on the pages; no comments). Audited."""
    round = selectors.round_get(user=request.user, pk=pk)
    try:
        summary = results.results_require(round=round)
    except ResultsNotReady as error:
        return _conflict(request, error, round)
    content = results_workbook(round=round, summary=summary)
    audit_log_read(actor=request.user, obj=round, what="results export")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="round-{round.pk}-results.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
