"""Reads of evaluations. Rounds always start from visible_to(user); ratings from assigned_to(user).

The one read that starts elsewhere is `ballot_by_token`: the secret token is the capability, and a
rater has no account to scope by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Model, Q
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
    """What a ballot page shows. On PostgreSQL the objects hold only the fields the page uses (the others
    are deferred: reading one costs a query), see `_BALLOT_FIELDS`."""

    round: EvaluationRound
    subjects: list[Cadre]
    manifestations: list[Manifestation]


# The fields of each object a ballot page uses (the template, RatingSheetForm, SheetSkeleton).
_BALLOT_FIELDS: dict[type[Model], tuple[str, ...]] = {
    EvaluationRound: ("id", "title", "state", "period_start", "period_end"),
    Cadre: ("id", "name", "post"),
    Manifestation: ("id", "round_id", "code", "label_zh", "label_en", "order"),
}


def _ballot_columns(model: type[Model]) -> list[str]:
    """`_BALLOT_FIELDS[model]` in the model's field order, the order Model.from_db takes them in."""
    return [f.attname for f in model._meta.concrete_fields if f.attname in _BALLOT_FIELDS[model]]


_BallotRow = tuple[bool, EvaluationRound, list[Cadre], list[Manifestation]]


def _ballot_row_postgresql(token_hash: str) -> _BallotRow | None:
    """A ballot token with its round, its colleagues and the round's questions, in one statement.

    Every rater opens the ballot page within the same hour or so; the three ORM queries this replaces cost
    five times its CPU (docs/BENCHMARKS.md, "Load: ballot submission").
    """
    quote = connection.ops.quote_name
    columns = {model: _ballot_columns(model) for model in _BALLOT_FIELDS}
    tokens, rounds = quote(BallotToken._meta.db_table), quote(EvaluationRound._meta.db_table)
    cadres, items = quote(Cadre._meta.db_table), quote(Manifestation._meta.db_table)

    def select(alias: str, model: type[Model]) -> str:
        return ", ".join(f"{alias}.{quote(name)}" for name in columns[model])

    sql = (
        f"SELECT t.used, {select('r', EvaluationRound)},"  # noqa: S608 - names from the models, the value a parameter
        f" (SELECT json_agg(json_build_array({select('c', Cadre)}) ORDER BY c.name, c.id) FROM {cadres} c"
        "   WHERE c.id IN (SELECT jsonb_array_elements_text(t.subject_ids)::bigint)),"
        f" (SELECT json_agg(json_build_array({select('m', Manifestation)}) ORDER BY m.{quote('order')}, m.code)"
        f"   FROM {items} m WHERE m.round_id = r.id)"
        f" FROM {tokens} t JOIN {rounds} r ON r.id = t.round_id WHERE t.token_hash = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    db = connection.alias
    return (
        bool(row[0]),
        EvaluationRound.from_db(db, columns[EvaluationRound], row[1:-2]),
        [Cadre.from_db(db, columns[Cadre], values) for values in row[-2] or []],
        [Manifestation.from_db(db, columns[Manifestation], values) for values in row[-1] or []],
    )


def _ballot_row_orm(token_hash: str) -> _BallotRow | None:
    ballot = BallotToken.objects.select_related("round").filter(pk=token_hash).first()
    if ballot is None:
        return None
    subjects = list(Cadre.objects.filter(pk__in=ballot.subject_ids).order_by("name", "pk"))
    return ballot.used, ballot.round, subjects, manifestations_of(ballot.round_id)


def ballot_by_token(token: str) -> OpenBallot:
    """What a usable ballot shows. Raises BallotNotFound (unknown token, or its round closed: the
    tokens are deleted then) or BallotUnavailable ("used")."""
    read = _ballot_row_postgresql if connection.vendor == "postgresql" else _ballot_row_orm
    found = read(hash_token(token))
    if found is None:
        raise ballot_not_found()
    used, round, subjects, manifestations = found
    if used:
        raise BallotUnavailable(_("This ballot has already been used. Thank you for taking part."), code="used")
    if round.state != RoundState.OPEN:  # a guard: round_close deletes the tokens
        raise BallotUnavailable(_("This evaluation round is closed; its ballots can no longer be used."), code="closed")
    return OpenBallot(round=round, subjects=subjects, manifestations=manifestations)
