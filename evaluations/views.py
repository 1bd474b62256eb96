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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evaluations import selectors, services
from evaluations.exceptions import (
    BallotNotFound,
    BallotUnavailable,
    EvaluationError,
    InvalidTransition,
    RatingAlreadySubmitted,
)
from evaluations.forms import RatingSheetForm, RoundForm
from evaluations.models import RoundState
from evaluations.permissions import allowed_round_actions, can_create_round, can_manage_round
from evaluations.printing import token_sheet
from project.org.models import Role, Unit
from project.org.permissions import subtree_filter

if TYPE_CHECKING:
    from evaluations.models import EvaluationRound
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
    # The token is in the URL: keep it out of Referer headers.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def ballot_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluations/ballot_thanks.html")
