"""Every write to evaluations: rounds and their transitions, participation, ballots and ratings.

Each service runs in one transaction: it locks the row it changes, checks the state (wrong state →
InvalidTransition, a 409 with a message a person understands), checks permission (PermissionDenied,
a 403), changes, saves and writes the audit event in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from evaluations import signals
from evaluations.exceptions import BallotNotFound, BallotUnavailable, InvalidTransition, RatingAlreadySubmitted
from evaluations.models import (
    COMMENT_MAX_LENGTH,
    DEFAULT_MANIFESTATIONS,
    SCORE_MAX,
    SCORE_MIN,
    BallotToken,
    Conflict,
    ConflictKind,
    EvaluationRound,
    Grade,
    IdentifiedRating,
    IdentifiedScore,
    Manifestation,
    PeerGroup,
    PeerGroupMode,
    PeerRating,
    PeerScore,
    PeerSheet,
    Relation,
    RoundResultSummary,
    RoundState,
    RoundTurnout,
)
from evaluations.participation import load_plan
from evaluations.permissions import can_create_round, can_declare_conflict, can_manage_round, can_rate
from evaluations.sealing import seal_peer_sheets
from project.audit.services import audit_record
from project.org.models import Cadre, Unit
from project.service_checks import allow, column_length, required_text

if TYPE_CHECKING:
    from project.org.models import User

BATCH = 1000


# --- Round settings -------------------------------------------------------------------------------


# The largest settings a round takes (its columns are small integers; beyond these the method means nothing).
K_ANONYMITY_MAX = 50
SHARE_DENOMINATOR_MAX = 100
GROUP_SIZE_MAX = 1000


@dataclass(frozen=True)
class RoundOptions:
    """A round's configurable rules, with the method's defaults."""

    weight_self: int = 20
    weight_peer: int = 40
    weight_leader: int = 40
    k_anonymity: int = 3
    composite_threshold: Decimal = Decimal("2.00")
    unfavourable_share_numerator: int = 1
    unfavourable_share_denominator: int = 3
    gap_threshold: Decimal = Decimal("1.50")
    peer_group_mode: str = PeerGroupMode.SAME_UNIT
    small_unit_size: int = 15
    min_peer_sheets: int = 8

    def errors(self) -> dict[str, list[str]]:
        """Field name → messages; empty when the options are usable."""
        errors: dict[str, list[str]] = defaultdict(list)
        total = self.weight_self + self.weight_peer + self.weight_leader
        if total != 100:
            errors["weight_leader"].append(
                _("The weights must add up to 100: self %(s)s + peer %(p)s + leader %(l)s = %(t)s.")
                % {"s": self.weight_self, "p": self.weight_peer, "l": self.weight_leader, "t": total}
            )
        for name in ("weight_self", "weight_peer", "weight_leader"):
            if not 0 <= getattr(self, name) <= 100:
                errors[name].append(_("A weight is a percentage between 0 and 100."))
        if self.k_anonymity < 2:
            errors["k_anonymity"].append(_("The anonymity threshold k must be at least 2."))
        elif self.k_anonymity > K_ANONYMITY_MAX:
            errors["k_anonymity"].append(
                _("The anonymity threshold k is at most %(max)s: a larger one would withhold every group.")
                % {"max": K_ANONYMITY_MAX}
            )
        for name in ("composite_threshold", "gap_threshold"):
            if not Decimal(0) < getattr(self, name) <= Decimal(SCORE_MAX):
                errors[name].append(_("A threshold lies above 0 and at most 4."))
        if not 1 <= self.unfavourable_share_numerator <= self.unfavourable_share_denominator <= SHARE_DENOMINATOR_MAX:
            errors["unfavourable_share_denominator"].append(
                _("The unfavourable share is a fraction above 0 and at most 1, for example 1 / 3.")
            )
        if self.peer_group_mode not in PeerGroupMode.values:
            errors["peer_group_mode"].append(_("Choose how peer groups are formed."))
        if not 2 <= self.small_unit_size <= GROUP_SIZE_MAX:
            errors["small_unit_size"].append(
                _("The small group size lies between 2 and %(max)s.") % {"max": GROUP_SIZE_MAX}
            )
        if not 1 <= self.min_peer_sheets <= GROUP_SIZE_MAX:
            errors["min_peer_sheets"].append(
                _("Every cadre needs between 1 and %(max)s peer sheets.") % {"max": GROUP_SIZE_MAX}
            )
        return dict(errors)


TITLE_MAX_LENGTH = column_length(EvaluationRound, "title")


def round_create(
    *,
    actor: User,
    title: str,
    scope: Unit,
    period_start: date,
    period_end: date,
    options: RoundOptions | None = None,
) -> EvaluationRound:
    """Create a draft round over `scope` with the default manifestations M1–M5.

    Requires: the actor is org_admin over `scope`. Raises PermissionDenied otherwise, and
    ValidationError (a dict by field) when the options are inconsistent (weights not summing to 100,
    k below 2, …), the title is blank or too long, or the period ends before it starts.
    """
    options = options or RoundOptions()
    allow(can_create_round(actor, scope), _("Only the organization department over the unit can create its rounds."))
    errors = options.errors()
    try:
        title = required_text(title, "title", _("Give the round a title."), limit=TITLE_MAX_LENGTH)
    except ValidationError as error:  # said together with the options' errors
        errors.setdefault("title", []).extend(error.message_dict["title"])
    if period_end < period_start:
        errors.setdefault("period_end", []).append(_("The period cannot end before it starts."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        round = EvaluationRound.objects.create(
            title=title,
            scope=scope,
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
            **asdict(options),
        )
        Manifestation.objects.bulk_create(
            Manifestation(round=round, code=code, label_zh=zh, label_en=en, order=index)
            for index, (code, zh, en) in enumerate(DEFAULT_MANIFESTATIONS, start=1)
        )
        audit_record(actor=actor, action="evaluation_round.create", obj=round, summary=f"created round {title}")
    return round


# The refusal of everything that runs a round (its transitions, ballots reissued, drafts changed).
_MANAGERS_ONLY = gettext_lazy("Only the organization department over the round's scope can manage it.")


def _lock_for_transition(actor: User, round: EvaluationRound, name: str, refusal: str) -> EvaluationRound:
    """Lock the round's row and check that `name` may run now and that the actor may run it."""
    locked = EvaluationRound.objects.select_for_update(of=("self",)).select_related("scope").get(pk=round.pk)
    method = getattr(locked, name)
    if not can_proceed(method):
        raise InvalidTransition(
            refusal % {"title": locked.title, "state": locked.get_state_display()}, code=f"{name}_from_{locked.state}"
        )
    allow(has_transition_perm(method, actor), _MANAGERS_ONLY)
    return locked


def _share_lock_state(round_id: int) -> str:
    """Read the round's state, holding it against a concurrent transition until commit.

    PostgreSQL: FOR SHARE, so that any number of ballots go in side by side while `round_close`
    (FOR UPDATE) waits for them, and no ballot slips in after the close. SQLite serializes writers.
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(EvaluationRound._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT state FROM {table} WHERE id = %s FOR SHARE", [round_id])  # noqa: S608
            row = cursor.fetchone()
        return str(row[0])
    return str(EvaluationRound.objects.values_list("state", flat=True).get(pk=round_id))


def _share_lock_round_of_token(token_hash: str) -> tuple[int, str, set[int]] | None:
    """The round of a ballot token — its id, its state held as `_share_lock_state` holds it, and its
    manifestation ids — or None for an unknown token. One query on PostgreSQL instead of three: a ballot
    submission is the request every rater makes at once, and each round trip holds a server worker.
    """
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        rounds, tokens = quote(EvaluationRound._meta.db_table), quote(BallotToken._meta.db_table)
        manifestations = quote(Manifestation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.id, r.state, ARRAY(SELECT m.id FROM {manifestations} m WHERE m.round_id = r.id) "  # noqa: S608
                f"FROM {rounds} r WHERE r.id = (SELECT t.round_id FROM {tokens} t WHERE t.token_hash = %s) "
                "FOR SHARE OF r",
                [token_hash],
            )
            row = cursor.fetchone()
        return None if row is None else (int(row[0]), str(row[1]), set(row[2]))
    round_id = BallotToken.objects.filter(pk=token_hash).values_list("round_id", flat=True).first()
    if round_id is None:
        return None
    state = _share_lock_state(round_id)
    return round_id, state, set(Manifestation.objects.filter(round_id=round_id).values_list("pk", flat=True))


# --- Tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A plain ballot token, returned once to be printed; never stored. `recipient_id` labels the slip."""

    token: str
    unit_id: int
    subject_ids: tuple[int, ...]
    recipient_id: int | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ballot_not_found() -> BallotNotFound:
    """The error for a token that is not stored: mistyped, replaced by a reissue, or its round closed
    (round_close deletes the tokens). One message for all, since no record of dead tokens is kept."""
    return BallotNotFound(_("There is no ballot with this code, or its evaluation round has closed."), code="unknown")


def _new_tokens(
    round: EvaluationRound, ballots: Iterable[tuple[int, tuple[int, ...], int | None]]
) -> list[IssuedToken]:
    """Create one token per (unit, subjects, recipient) in a random order, and return the secrets."""
    issued = [
        IssuedToken(secrets.token_urlsafe(16), unit_id, subjects, recipient)  # 128 random bits
        for unit_id, subjects, recipient in ballots
    ]
    rows = [
        BallotToken(token_hash=hash_token(t.token), round=round, unit_id=t.unit_id, subject_ids=list(t.subject_ids))
        for t in issued
    ]
    # Insertion order is visible to a DBA (physical row order); shuffled, it says nothing about whom.
    secrets.SystemRandom().shuffle(rows)
    BallotToken.objects.bulk_create(rows, batch_size=BATCH)
    return issued


# --- Transitions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedRound:
    round: EvaluationRound
    tokens: list[IssuedToken] = field(default_factory=list)


def round_open(*, actor: User, round: EvaluationRound) -> OpenedRound:
    """Open a draft round: create every self and leader assignment and one token per peer ballot.

    The plain tokens are in the result and nowhere else: print them now (the view renders the
    printable sheet in the same response); `tokens_reissue` replaces lost ones.
    Requires: the round is a draft with at least one manifestation; the actor manages it.
    Raises InvalidTransition (wrong state, no manifestation) or PermissionDenied.
    """
    with transaction.atomic():
        locked = _lock_for_transition(
            actor, round, "open", _("Only a draft round can be opened; “%(title)s” is %(state)s.")
        )
        if not Manifestation.objects.filter(round=locked).exists():
            raise InvalidTransition(
                _("Add at least one manifestation before opening the round."), code="no_manifestation"
            )
        locked.open()
        locked.save()
        plan = load_plan(locked)
        IdentifiedRating.objects.bulk_create(
            [
                IdentifiedRating(round=locked, relation=Relation.SELF, subject_id=cadre_id)
                for cadre_id in plan.self_subjects
            ]
            + [
                IdentifiedRating(round=locked, relation=Relation.LEADER, subject_id=cadre_id, rater_id=user_id)
                for user_id, cadre_id in plan.leader_pairs
            ],
            batch_size=BATCH,
        )
        tokens = _new_tokens(locked, ((b.unit_id, b.subject_ids, b.rater_id) for b in plan.ballots))
        audit_record(
            actor=actor,
            action="evaluation_round.open",
            obj=locked,
            summary=f"opened round {locked.title}",
            data={"self": len(plan.self_subjects), "leader": len(plan.leader_pairs), "peer_ballots": len(tokens)},
        )
    return OpenedRound(round=locked, tokens=tokens)


def _freeze_turnout(round: EvaluationRound) -> dict[str, list[int]]:
    """Store the round's turnout per unit as RoundTurnout rows; return it by unit code for the audit event."""
    rows = list(
        BallotToken.objects.filter(round=round)
        .values("unit_id", "unit__code")
        .annotate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
        .order_by("unit__code")
    )
    RoundTurnout.objects.bulk_create(
        [RoundTurnout(round=round, unit_id=r["unit_id"], issued=r["issued"], used=r["used"]) for r in rows],
        batch_size=BATCH,
    )
    return {row["unit__code"]: [row["used"], row["issued"]] for row in rows}


def round_close(*, actor: User, round: EvaluationRound) -> EvaluationRound:
    """Close an open round: its tokens die, its self and leader pages stop taking ratings.

    Waits for ballots being submitted at that moment (they hold the round FOR SHARE). In this
    transaction: the turnout per unit is frozen in RoundTurnout and the round's tokens are deleted (a
    used token row carries the transaction id, xmin, of the sheet it produced, so a DBA could match the
    two for as long as the row exists; the dead tuples go at the next VACUUM), and the peer sheets are
    sealed — their figures frozen, their grouping dissolved (evaluations.sealing; docs/SECURITY.md). The
    audit event records the turnout too: that is how the trail learns about peer ballots (see
    ballot_submit).
    Requires: the round is open; the actor manages it.
    Raises InvalidTransition or PermissionDenied.
    """
    with transaction.atomic():
        locked = _lock_for_transition(
            actor, round, "close", _("Only an open round can be closed; “%(title)s” is %(state)s.")
        )
        locked.close()
        locked.save()
        turnout = _freeze_turnout(locked)
        BallotToken.objects.filter(round=locked).delete()
        seal_peer_sheets(locked)
        # Imported here: the task module imports identification, which imports these services.
        from evaluations.tasks import vacuum_after_close

        transaction.on_commit(vacuum_after_close.delay, robust=True)
        audit_record(
            actor=actor,
            action="evaluation_round.close",
            obj=locked,
            summary=f"closed round {locked.title}",
            data={"turnout": turnout},
        )
    return locked


def round_publish(*, actor: User, round: EvaluationRound) -> EvaluationRound:
    """Publish a closed round's results (frozen from then on).

    Requires: the round is closed and its results are frozen (identification done); the actor manages
    it. Raises InvalidTransition or PermissionDenied.
    """
    with transaction.atomic():
        locked = _lock_for_transition(
            actor, round, "publish", _("Only a closed round can be published; “%(title)s” is %(state)s.")
        )
        # Publishing is final: a round published without results could never be identified afterwards.
        if not RoundResultSummary.objects.filter(round=locked).exists():
            raise InvalidTransition(_("Identify the candidates first: a round is published with its frozen results."))
        locked.publish()
        locked.save()
        # The receivers (the cases' nominations) lock rows: before the audit event, whose chain lock is held
        # until commit, so that nobody holding one of those rows waits for that lock while we wait for them.
        signals.results_published.send(sender=EvaluationRound, round=locked, actor=actor)
        audit_record(
            actor=actor, action="evaluation_round.publish", obj=locked, summary=f"published round {locked.title}"
        )
    return locked


def tokens_reissue(*, actor: User, round: EvaluationRound, unit: Unit) -> list[IssuedToken]:
    """Replace the unused ballots of one unit with new tokens, e.g. when the printed slips were lost.

    Plain tokens are shown once, so this is the only way to print them again. Each unused token is
    deleted and a new one created with the same colleagues; used ones stay, so turnout still reads
    used / issued. A slip's recipient is found again by re-running the round's reproducible draw
    (None when the roster changed since the round opened: the slip then lists its colleagues only).
    Requires: the round is open; the actor manages it. Raises InvalidTransition or PermissionDenied.
    """
    with transaction.atomic():
        # FOR UPDATE, not FOR SHARE: two reissues of one unit must not interleave. Ballots take the
        # round before the token, so this order cannot deadlock with them.
        locked = EvaluationRound.objects.select_for_update(of=("self",)).select_related("scope").get(pk=round.pk)
        allow(can_manage_round(actor, locked), _MANAGERS_ONLY)
        if not unit.is_within(locked.scope):
            raise ValidationError({"unit": _("This unit is outside the round's scope: it has no ballots to reissue.")})
        if locked.state != RoundState.OPEN:
            raise InvalidTransition(
                _("Ballots can be reissued only while the round is open; “%(title)s” is %(state)s.")
                % {"title": locked.title, "state": locked.get_state_display()},
                code="reissue_not_open",
            )
        unused = BallotToken.objects.filter(round=locked, unit=unit, used=False)
        subject_lists = [tuple(ids) for ids in unused.values_list("subject_ids", flat=True)]
        unused.delete()
        recipients: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for ballot in load_plan(locked).ballots:
            if ballot.unit_id == unit.pk:
                recipients[ballot.subject_ids].append(ballot.rater_id)
        ballots = []
        for subjects in subject_lists:
            candidates = recipients.get(subjects)
            ballots.append((unit.pk, subjects, candidates.pop(0) if candidates else None))
        tokens = _new_tokens(locked, ballots)
        audit_record(
            actor=actor,
            action="evaluation_round.tokens_reissue",
            obj=locked,
            summary=f"reissued {len(tokens)} unused ballots of unit {unit.code}",
            data={"unit": unit.code, "reissued": len(tokens)},
        )
    return tokens


# --- Draft configuration --------------------------------------------------------------------------


def _lock_draft(actor: User, round: EvaluationRound, what: str) -> EvaluationRound:
    locked = EvaluationRound.objects.select_for_update(of=("self",)).select_related("scope").get(pk=round.pk)
    allow(can_manage_round(actor, locked), _MANAGERS_ONLY)
    if locked.state != RoundState.DRAFT:
        raise InvalidTransition(
            _("%(what)s can be changed only while the round is a draft; “%(title)s” is %(state)s.")
            % {"what": what, "title": locked.title, "state": locked.get_state_display()},
            code="not_draft",
        )
    return locked


def manifestation_add(
    *, actor: User, round: EvaluationRound, code: str, label_zh: str, label_en: str, order: int = 0
) -> Manifestation:
    """Add a round's own manifestation (beside M1–M5). Requires a draft round the actor manages.

    Raises PermissionDenied, InvalidTransition (not a draft) or ValidationError (code taken).
    """
    with transaction.atomic():
        locked = _lock_draft(actor, round, _("Manifestations"))
        if Manifestation.objects.filter(round=locked, code=code).exists():
            raise ValidationError({"code": [_("This round already has a manifestation %(code)s.") % {"code": code}]})
        item = Manifestation.objects.create(round=locked, code=code, label_zh=label_zh, label_en=label_en, order=order)
        audit_record(
            actor=actor, action="evaluation_round.manifestation_add", obj=locked, summary=f"added manifestation {code}"
        )
    return item


def peer_group_create(*, actor: User, round: EvaluationRound, name: str, members: Iterable[Cadre]) -> PeerGroup:
    """Define an explicit peer group of active cadres in the round's scope (mode explicit_group).

    Requires a draft round the actor manages. Raises PermissionDenied, InvalidTransition (not a
    draft) or ValidationError (a member outside the scope or off the roster).
    """
    member_list = list(members)
    with transaction.atomic():
        locked = _lock_draft(actor, round, _("Peer groups"))
        inside = set(
            Cadre.objects.filter(
                pk__in=[c.pk for c in member_list], active=True, unit__path__startswith=locked.scope.path
            ).values_list("pk", flat=True)
        )
        outside = [c.name for c in member_list if c.pk not in inside]
        if outside:
            raise ValidationError(
                {"members": [_("Not active cadres of the round's scope: %(names)s.") % {"names": "、".join(outside)}]}
            )
        group = PeerGroup.objects.create(round=locked, name=name)
        group.members.set(member_list)
        audit_record(
            actor=actor,
            action="evaluation_round.peer_group_create",
            obj=locked,
            summary=f"created peer group {name} with {len(member_list)} members",
        )
    return group


def conflict_declare(
    *,
    actor: User,
    cadre_a: Cadre,
    cadre_b: Cadre,
    kind: ConflictKind | str,
    note: str = "",
    round: EvaluationRound | None = None,
) -> Conflict:
    """Declare that two cadres must not rate each other (as peers, or as leader and cadre).

    round None: a standing conflict for every round opened from now on; otherwise for that draft
    round only. Idempotent. Requires: the actor is org_admin over both cadres' units (and manages
    the round). Raises PermissionDenied, InvalidTransition (round not a draft), ValidationError
    (a cadre with themself).
    """
    if cadre_a.pk == cadre_b.pk:
        raise ValidationError(_("A cadre cannot be in conflict with themself."))
    allow(
        can_declare_conflict(actor, cadre_a, cadre_b),
        _("Only the organization department over both cadres' units can declare a conflict between them."),
    )
    first, second = sorted((cadre_a, cadre_b), key=lambda c: c.pk)
    with transaction.atomic():
        if round is not None:
            round = _lock_draft(actor, round, _("Conflicts"))
        conflict, created = Conflict.objects.get_or_create(
            cadre_a=first, cadre_b=second, round=round, defaults={"kind": kind, "note": note, "declared_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="evaluation.conflict_declare",
                obj=conflict,
                summary=f"declared a conflict between cadres {first.external_id} and {second.external_id}",
            )
    return conflict


# --- Ratings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    """One colleague's rating on a sheet: manifestation id → 0..4, a grade, an optional comment."""

    subject_id: int
    grade: str
    scores: Mapping[int, int]
    comment: str = ""


def _check_ratings(ratings: Sequence[RatingInput], subject_ids: Iterable[int], manifestation_ids: set[int]) -> None:
    """Every subject rated once, every manifestation scored 0–4, a valid grade, a bounded comment.

    Every rating scoring every manifestation of the round is what lets SQL take a subject's mean
    over sheets of the mean over manifestations as one AVG over its score rows.
    """
    expected = sorted(subject_ids)
    if sorted(r.subject_id for r in ratings) != expected:
        raise ValidationError(_("Rate every colleague on the sheet, each exactly once."), code="subjects")
    for rating in ratings:
        if rating.grade not in Grade.values:
            raise ValidationError(_("Choose an overall grade for every colleague."), code="grade")
        if set(rating.scores) != manifestation_ids:
            raise ValidationError(_("Score every manifestation for every colleague."), code="scores")
        if any(not SCORE_MIN <= value <= SCORE_MAX for value in rating.scores.values()):
            raise ValidationError(_("A score is 0 (never) to 4 (always)."), code="score_range")
        if len(rating.comment) > COMMENT_MAX_LENGTH:
            raise ValidationError(
                _("A comment has at most %(n)s characters.") % {"n": COMMENT_MAX_LENGTH}, code="comment_length"
            )


def _lock_token(token_hash: str) -> tuple[bool, list[int]] | None:
    """The token's `used` and its colleagues' ids, its row locked until commit (FOR UPDATE), so that of two
    submissions of one token the second waits here and then reads `used`; None for an unknown token."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(BallotToken._meta.db_table)
        sql = f"SELECT used, subject_ids::text FROM {table} WHERE token_hash = %s FOR UPDATE"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [token_hash])
            row = cursor.fetchone()
        return None if row is None else (bool(row[0]), [int(pk) for pk in json.loads(row[1])])
    ballot = BallotToken.objects.select_for_update().filter(pk=token_hash).first()
    return None if ballot is None else (ballot.used, [int(pk) for pk in ballot.subject_ids])


def _spend_token_and_store_sheet(token_hash: str, round_id: int, ratings: Sequence[RatingInput]) -> None:
    """Mark the (locked) token used and insert the sheet, its ratings and their scores, rows in the order
    of `ratings`. On PostgreSQL in one statement: through the ORM it was four, and building 55 model
    instances and their INSERTs cost more CPU than PostgreSQL spent storing them."""
    rows = [(uuid.uuid4(), r.subject_id, r.grade, r.comment.strip()) for r in ratings]
    scores = [
        (rating_id, mid, value)
        for (rating_id, *_rest), rating in zip(rows, ratings, strict=True)
        for mid, value in rating.scores.items()
    ]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        tokens, sheets = quote(BallotToken._meta.db_table), quote(PeerSheet._meta.db_table)
        peer_ratings, peer_scores = quote(PeerRating._meta.db_table), quote(PeerScore._meta.db_table)
        sheet_id = uuid.uuid4()
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH spent AS (UPDATE {tokens} SET used = true WHERE token_hash = %s),"  # noqa: S608
                f" sheet AS (INSERT INTO {sheets} (id, round_id) VALUES (%s, %s)),"
                f" ratings AS (INSERT INTO {peer_ratings} (id, sheet_id, round_id, subject_id, grade, comment)"
                "   SELECT r.id, %s, %s, r.subject_id, r.grade, r.comment"
                "   FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[]) AS r(id, subject_id, grade, comment))"
                f" INSERT INTO {peer_scores} (rating_id, manifestation_id, value)"
                " SELECT s.rating_id, s.manifestation_id, s.value"
                " FROM unnest(%s::uuid[], %s::bigint[], %s::smallint[]) AS s(rating_id, manifestation_id, value)",
                [
                    token_hash,
                    sheet_id,
                    round_id,
                    sheet_id,
                    round_id,
                    [row[0] for row in rows],
                    [row[1] for row in rows],
                    [row[2] for row in rows],
                    [row[3] for row in rows],
                    [score[0] for score in scores],
                    [score[1] for score in scores],
                    [score[2] for score in scores],
                ],
            )
        return
    BallotToken.objects.filter(pk=token_hash).update(used=True)
    sheet = PeerSheet.objects.create(round_id=round_id)
    PeerRating.objects.bulk_create(
        PeerRating(id=pk, sheet=sheet, round_id=round_id, subject_id=subject_id, grade=grade, comment=comment)
        for pk, subject_id, grade, comment in rows
    )
    PeerScore.objects.bulk_create(
        [PeerScore(rating_id=rating_id, manifestation_id=mid, value=value) for rating_id, mid, value in scores],
        batch_size=BATCH,
    )


def ballot_submit(*, token: str, ratings: Sequence[RatingInput]) -> None:
    """Store one anonymous peer sheet and spend its token, in one transaction.

    Requires: the token exists, is unused, and its round is open; `ratings` rate exactly the
    colleagues on the ballot. Raises BallotNotFound (also for a token of a closed round: round_close
    deleted it), BallotUnavailable (code "used") or ValidationError; in each case nothing is stored
    and the token stays as it was. A submission racing with the close either commits before it (the
    close waits for the FOR SHARE lock) or finds the token gone.
    Two submissions of one token, even at the same instant, store one sheet: the token row is
    locked and re-read, and the second finds it used.

    Nothing links the sheet to the token or the rater: the sheet gets a random id and no time; the
    token only turns `used`. Nothing is returned either (no receipt that could be demanded). And
    no audit event is written here, on purpose: any event per ballot carries a time and, on
    PostgreSQL, the same transaction id as the sheet's rows — together with someone noticing who
    sat at a terminal when, that would tie a sheet to a person. The trail learns the turnout per
    unit when the round closes (round_close).
    """
    token_hash = hash_token(token)
    with transaction.atomic():
        # The round before the token: the lock order every writer of tokens follows.
        found = _share_lock_round_of_token(token_hash)
        if found is None:
            raise ballot_not_found()
        round_id, state, manifestation_ids = found
        ballot = _lock_token(token_hash)
        if ballot is None:  # replaced by tokens_reissue, or deleted by round_close, while we waited
            raise ballot_not_found()
        used, subject_ids = ballot
        if used:
            raise BallotUnavailable(_("This ballot has already been used. Nothing was stored."), code="used")
        if state != RoundState.OPEN:  # not reached since round_close deletes the tokens; kept as a guard
            raise BallotUnavailable(_("This evaluation round is closed. Nothing was stored."), code="closed")
        _check_ratings(ratings, subject_ids, manifestation_ids)
        _spend_token_and_store_sheet(token_hash, round_id, ratings)


def identified_rating_submit(*, actor: User, rating: IdentifiedRating, data: RatingInput) -> IdentifiedRating:
    """Submit a self-evaluation or a leader's rating (signed by the actor), once.

    Requires: the actor is the rating's rater (the cadre's own account for a self-evaluation, the
    named leader otherwise), the round is open and the rating not yet submitted.
    Raises PermissionDenied, InvalidTransition (round not open), RatingAlreadySubmitted or
    ValidationError.
    """
    with transaction.atomic():
        locked = IdentifiedRating.objects.select_for_update(of=("self",)).select_related("subject").get(pk=rating.pk)
        allow(can_rate(actor, locked), _("Only the cadre themself, or the leader the rating names, can submit it."))
        if _share_lock_state(locked.round_id) != RoundState.OPEN:
            raise InvalidTransition(_("This evaluation round is not open for ratings."), code="rating_not_open")
        if locked.submitted_at is not None:
            raise RatingAlreadySubmitted(_("This rating has already been submitted."), code="submitted")
        manifestation_ids = set(Manifestation.objects.filter(round_id=locked.round_id).values_list("pk", flat=True))
        _check_ratings([data], [locked.subject_id], manifestation_ids)
        locked.grade = data.grade
        locked.comment = data.comment.strip()
        locked.rater = actor
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["grade", "comment", "rater", "submitted_at"])
        IdentifiedScore.objects.bulk_create(
            IdentifiedScore(rating=locked, manifestation_id=mid, value=value) for mid, value in data.scores.items()
        )
        audit_record(
            actor=actor,
            action=f"evaluation_rating.submit_{locked.relation}",
            obj=locked,
            summary=f"submitted the {locked.relation} rating of cadre {locked.subject.external_id}"
            f" in round {locked.round_id}",
        )
    return locked
