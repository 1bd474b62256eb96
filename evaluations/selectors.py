"""Reads of evaluations. Rounds always start from visible_to(user); ratings from assigned_to(user).

The one read that starts elsewhere is `ballot_by_token`: the secret token is the capability, and a
rater has no account to scope by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from evaluations.exceptions import BallotUnavailable
from evaluations.models import (
    BallotToken,
    EvaluationRound,
    EvaluationRoundQuerySet,
    IdentifiedRating,
    IdentifiedRatingQuerySet,
    Manifestation,
    Relation,
    RoundState,
    RoundTurnout,
)
from evaluations.services import ballot_not_found, hash_token
from project.org.models import Cadre

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from project.org.models import User


def round_list(*, user: User | AnonymousUser) -> EvaluationRoundQuerySet:
    return EvaluationRound.objects.visible_to(user).select_related("scope")


def round_get(*, user: User | AnonymousUser, pk: int) -> EvaluationRound:
    """The round if the user may see it; Http404 otherwise (exactly like one that does not exist)."""
    return get_object_or_404(EvaluationRound.objects.visible_to(user).select_related("scope", "created_by"), pk=pk)


@dataclass(frozen=True)
class UnitTurnout:
    unit_id: int
    unit_name: str
    issued: int
    used: int

    @property
    def percent(self) -> int:
        return round(100 * self.used / self.issued) if self.issued else 0


def round_turnout(*, round: EvaluationRound) -> list[UnitTurnout]:
    """Used / issued peer ballots per unit (one query). Who voted is not known, so not shown.

    Counted from the tokens while the round is open; from the RoundTurnout rows round_close froze
    once it has closed (its tokens are deleted then). A draft round has neither: an empty list.
    """
    rows: Iterable[Mapping[str, Any]]
    if round.state in (RoundState.DRAFT, RoundState.OPEN):
        rows = (
            BallotToken.objects.filter(round=round)
            .values("unit_id", "unit__name", "unit__path")
            .annotate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
            .order_by("unit__path")
        )
    else:
        rows = (
            RoundTurnout.objects.filter(round=round)
            .values("unit_id", "unit__name", "unit__path", "issued", "used")
            .order_by("unit__path")
        )
    return [UnitTurnout(r["unit_id"], r["unit__name"], r["issued"], r["used"]) for r in rows]


@dataclass(frozen=True)
class RatingProgress:
    relation: str
    label: StrOrPromise
    assigned: int
    submitted: int


def round_progress(*, round: EvaluationRound) -> list[RatingProgress]:
    """How many self and leader ratings were assigned and submitted (one query)."""
    rows = {
        r["relation"]: r
        for r in IdentifiedRating.objects.filter(round=round)
        .order_by()
        .values("relation")
        .annotate(assigned=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False)))
    }
    empty = {"assigned": 0, "submitted": 0}
    return [
        RatingProgress(
            relation,
            Relation(relation).label,
            rows.get(relation, empty)["assigned"],
            rows.get(relation, empty)["submitted"],
        )
        for relation in (Relation.SELF, Relation.LEADER)
    ]


def ratings_assigned(*, user: User | AnonymousUser) -> IdentifiedRatingQuerySet:
    """The user's own self and leader ratings in rounds that have opened, newest round first."""
    return (
        IdentifiedRating.objects.assigned_to(user)
        .exclude(round__state=RoundState.DRAFT)
        .select_related("round", "subject__unit")
        .order_by("-round__opened_at", "relation", "subject__unit__path", "subject__name")
    )


def rating_get(*, user: User | AnonymousUser, pk: int) -> IdentifiedRating:
    """One of the user's own ratings; Http404 for anybody else's."""
    return get_object_or_404(ratings_assigned(user=user), pk=pk)


def manifestations_of(round_id: int) -> list[Manifestation]:
    return list(Manifestation.objects.filter(round_id=round_id).order_by("order", "code"))


@dataclass(frozen=True)
class OpenBallot:
    round: EvaluationRound
    subjects: list[Cadre]
    manifestations: list[Manifestation]


def ballot_by_token(token: str) -> OpenBallot:
    """What a usable ballot shows. Raises BallotNotFound (unknown token, or its round closed: the
    tokens are deleted then) or BallotUnavailable ("used")."""
    ballot = BallotToken.objects.select_related("round").filter(pk=hash_token(token)).first()
    if ballot is None:
        raise ballot_not_found()
    if ballot.used:
        raise BallotUnavailable(_("This ballot has already been used. Thank you for taking part."), code="used")
    if ballot.round.state != RoundState.OPEN:  # a guard: round_close deletes the tokens
        raise BallotUnavailable(_("This evaluation round is closed; its ballots can no longer be used."), code="closed")
    subjects = list(Cadre.objects.filter(pk__in=ballot.subject_ids).order_by("name", "pk"))
    return OpenBallot(round=ballot.round, subjects=subjects, manifestations=manifestations_of(ballot.round_id))
