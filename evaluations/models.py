"""Evaluation rounds (测评): the round and its rules, who rates whom, and the stored ratings.

Anonymity of peer ratings is a property of this schema, not a promise of the code that uses it
(tests/evaluations/test_anonymity.py checks it):

- `BallotToken` holds round, unit (for turnout), the subjects the ballot rates, a SHA-256 of the
  secret and `used`. It has no timestamp, no person and no reference to what it produced; its
  primary key is the hash itself, so there is not even a sequence number to betray the order in
  which ballots were handed out. A round's tokens are deleted when it closes; `RoundTurnout` keeps
  only the used / issued counts per unit.
- `PeerSheet`, `PeerRating` and `PeerScore` hold what was said: random UUID keys (or a composite key
  with no surrogate column), no rater, no token, no timestamp. No audit event is written per ballot.
- At close the sheets are sealed (evaluations.sealing): the figures scoring needs from them are frozen in
  `SheetFigures`, the ratings and scores rewritten with no sheet in a random order, the sheets deleted.

What the schema cannot hide while a round is open, known to anyone with SQL access to the live database
(docs/SECURITY.md, "Known limits"):
- the engine's own bookkeeping: PostgreSQL's physical row order and transaction ids show the order in
  which sheets arrived, and a used token's row carries the same transaction id (xmin) as its sheet's
  rows until that token row is deleted (at close), and its dead tuple until VACUUM;
- a sheet's subject list: in a group where every colleague rates every other it is the group minus
  the rater (and the rater's declared conflicts), which names the rater — until the close dissolves it.
  Sampled ballots in larger groups do not, as long as the draw cannot be re-run
  (participation.sampling_seed is keyed).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from project.org.models import Cadre, Role, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

    class ConcurrentTransitionMixin:
        """mypy sees django-fsm-2's mixin as Any (an import it cannot resolve on 3.11), which would make
        every EvaluationRound query Any too; to the type checker it is a plain mixin."""

else:
    from django_fsm import ConcurrentTransitionMixin

SCORE_MIN = 0
SCORE_MAX = 4
COMMENT_MAX_LENGTH = 500


class RoundState(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open for rating")
    CLOSED = "closed", _("closed")
    PUBLISHED = "published", _("results published")


class PeerGroupMode(models.TextChoices):
    SAME_UNIT = "same_unit", _("colleagues of the same unit")
    UNIT_SUBTREE = "unit_subtree", _("colleagues of the same top-level unit and everything below it")
    EXPLICIT_GROUP = "explicit_group", _("explicitly defined peer groups")


class Relation(models.TextChoices):
    """Who rates: the same codes as evaluations.scoring.Relation."""

    SELF = "self", _("self-evaluation (个人自评)")
    PEER = "peer", _("peer evaluation (同事互评)")
    LEADER = "leader", _("leader's comment (领导点评)")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent (优秀)")
    COMPETENT = "competent", _("competent (称职)")
    BASIC = "basic", _("basically competent (基本称职)")
    INCOMPETENT = "incompetent", _("incompetent (不称职)")


# Grades that count as unfavourable in the identification rule (基本称职 + 不称职).
UNFAVOURABLE_GRADES = (Grade.BASIC, Grade.INCOMPETENT)


class Frequency(models.IntegerChoices):
    """How often a manifestation was observed. Higher is worse."""

    NEVER = 0, _("never (从不)")
    RARELY = 1, _("rarely (很少)")
    SOMETIMES = 2, _("sometimes (有时)")
    OFTEN = 3, _("often (经常)")
    ALWAYS = 4, _("always (总是)")


# The five manifestations of the Ziyang rectification; every new round starts with them.
DEFAULT_MANIFESTATIONS: tuple[tuple[str, str, str], ...] = (
    ("M1", "推诿扯皮、上推下卸", "Pushing work up and down"),
    ("M2", "坐等退休", "Waiting for retirement"),
    ("M3", "得过且过、混日子", "Just getting through the day"),
    ("M4", "眼高手低", "High aims, poor execution"),
    ("M5", "屡教不改", "Unchanged despite repeated correction"),
)


def _may_manage(instance: models.Model, user: Any) -> bool:
    # The FSM's permission hook: evaluated by has_transition_perm() in the services, never on call.
    from evaluations.permissions import can_manage_round

    return isinstance(instance, EvaluationRound) and can_manage_round(user, instance)


class EvaluationRoundQuerySet(models.QuerySet["EvaluationRound"]):
    def visible_to(self, user: User | AnonymousUser) -> EvaluationRoundQuerySet:
        """Rounds whose scope lies inside a subtree where the user is org_admin or auditor.

        Leaders and cadres see no round as such: they reach their own assignments through the
        "my evaluations" page, and raters through their token.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        return self.filter(subtree_filter(user, {Role.ORG_ADMIN, Role.AUDITOR}, "scope__path"))


class EvaluationRound(ConcurrentTransitionMixin, models.Model):
    """A round (测评) over a unit subtree, with its rules. Results exist only after it closes."""

    title = models.CharField(_("title"), max_length=200)
    scope = models.ForeignKey(
        Unit, verbose_name=_("scope (unit subtree)"), on_delete=models.PROTECT, related_name="evaluation_rounds"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    state = FSMField(_("state"), default=RoundState.DRAFT, choices=RoundState.choices, protected=True, editable=False)

    weight_self = models.PositiveSmallIntegerField(
        _("self weight (%)"), default=20, validators=[MaxValueValidator(100)]
    )
    weight_peer = models.PositiveSmallIntegerField(
        _("peer weight (%)"), default=40, validators=[MaxValueValidator(100)]
    )
    weight_leader = models.PositiveSmallIntegerField(
        _("leader weight (%)"), default=40, validators=[MaxValueValidator(100)]
    )
    k_anonymity = models.PositiveSmallIntegerField(
        _("anonymity threshold k"),
        default=3,
        validators=[MinValueValidator(2)],
        help_text=_("A peer group with fewer sheets is never shown as a number."),
    )
    composite_threshold = models.DecimalField(
        _("composite threshold"), max_digits=3, decimal_places=2, default=Decimal("2.00")
    )
    unfavourable_share_numerator = models.PositiveSmallIntegerField(_("unfavourable share: numerator"), default=1)
    unfavourable_share_denominator = models.PositiveSmallIntegerField(_("unfavourable share: denominator"), default=3)
    gap_threshold = models.DecimalField(
        _("self-vs-others gap threshold"), max_digits=3, decimal_places=2, default=Decimal("1.50")
    )
    peer_group_mode = models.CharField(
        _("peer groups"), max_length=20, choices=PeerGroupMode.choices, default=PeerGroupMode.SAME_UNIT
    )
    small_unit_size = models.PositiveSmallIntegerField(
        _("small group size"),
        default=15,
        validators=[MinValueValidator(2)],
        help_text=_("Up to this many cadres, every colleague rates every other; above it, ballots carry a sample."),
    )
    min_peer_sheets = models.PositiveSmallIntegerField(
        _("minimum peer sheets per cadre"),
        default=8,
        validators=[MinValueValidator(1)],
        help_text=_("In a larger group, samples are drawn so that every cadre receives at least this many sheets."),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    # Frozen with SheetFigures when the round closes and its peer sheets are dissolved (evaluations.sealing).
    straight_lined_ballots = models.PositiveIntegerField(
        _("straight-lined ballots"), null=True, blank=True, editable=False
    )

    objects = EvaluationRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_self=100 - models.F("weight_peer") - models.F("weight_leader")),
                name="evaluations_round_weights_sum_100",
                violation_error_message=_("The weights must add up to 100."),
            ),
            models.CheckConstraint(condition=Q(k_anonymity__gte=2), name="evaluations_round_k_at_least_2"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="evaluations_round_period_order"
            ),
            models.CheckConstraint(
                condition=Q(unfavourable_share_numerator__gte=1)
                & Q(unfavourable_share_numerator__lte=models.F("unfavourable_share_denominator")),
                name="evaluations_round_share_in_0_1",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_ratings(self) -> bool:
        """Ballots and self/leader ratings are taken only while the round is open."""
        return bool(self.state == RoundState.OPEN)

    @property
    def has_opened(self) -> bool:
        return bool(self.state != RoundState.DRAFT)

    @property
    def weights_total(self) -> int:
        return self.weight_self + self.weight_peer + self.weight_leader

    @property
    def unfavourable_share(self) -> Fraction:
        """Exact, as evaluations.scoring.RoundRules wants it (1/3 is not a finite decimal)."""
        return Fraction(self.unfavourable_share_numerator, self.unfavourable_share_denominator)

    # Transitions only set fields; services lock, check, save and audit.
    @transition(field=state, source=RoundState.DRAFT, target=RoundState.OPEN, permission=_may_manage)
    def open(self) -> None:
        self.opened_at = timezone.now()

    @transition(field=state, source=RoundState.OPEN, target=RoundState.CLOSED, permission=_may_manage)
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=RoundState.CLOSED, target=RoundState.PUBLISHED, permission=_may_manage)
    def publish(self) -> None:
        self.published_at = timezone.now()


class Manifestation(models.Model):
    """One behaviour the round scores (M1–M5 by default; a round may add its own)."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="manifestations"
    )
    code = models.CharField(_("code"), max_length=10)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["round", "order", "code"]
        verbose_name = _("manifestation")
        verbose_name_plural = _("manifestations")
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="evaluations_manifestation_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The label in the active language (Chinese unless the reader chose English)."""
        return self.label_en if (get_language() or "").startswith("en") else self.label_zh


class PeerGroup(models.Model):
    """An explicit peer group of a round (used when the round's mode is `explicit_group`)."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="peer_groups"
    )
    name = models.CharField(pgettext_lazy("group", "name"), max_length=100)
    members = models.ManyToManyField(Cadre, verbose_name=_("members"), related_name="+")

    class Meta:
        ordering = ["round", "name"]
        verbose_name = _("peer group")
        verbose_name_plural = _("peer groups")
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="evaluations_peergroup_name")]

    def __str__(self) -> str:
        return self.name


class ConflictKind(models.TextChoices):
    RELATIVE = "relative", _("relatives (亲属)")
    SPOUSE = "spouse", _("spouses (配偶)")
    OTHER = "other", _("other conflict of interest (其他利害关系)")


class Conflict(models.Model):
    """A declared conflict between two cadres: neither rates the other as a peer or as a leader.

    `round` empty means a standing conflict that applies to every round opened after it was declared
    (relatives stay relatives); a round's own conflicts apply to that round only. Either way it only
    affects rounds that open later: the ballots of an open round are already handed out.
    The pair is stored in id order (cadre_a < cadre_b), so that one pair is one row.
    """

    cadre_a = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="+")
    cadre_b = models.ForeignKey(Cadre, verbose_name=_("other cadre"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relationship"), max_length=20, choices=ConflictKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    round = models.ForeignKey(
        EvaluationRound,
        verbose_name=_("round (empty: every round)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.CheckConstraint(condition=Q(cadre_a__lt=models.F("cadre_b")), name="evaluations_conflict_ordered"),
            models.UniqueConstraint(fields=["cadre_a", "cadre_b", "round"], name="evaluations_conflict_per_round"),
            models.UniqueConstraint(
                fields=["cadre_a", "cadre_b"], condition=Q(round__isnull=True), name="evaluations_conflict_standing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_a} · {self.cadre_b} · {self.get_kind_display()}"


# --- Peer ballots: anonymous by construction ------------------------------------------------------


class BallotToken(models.Model):
    """A single-use peer ballot. Only the SHA-256 of the secret is stored; the secret is printed once.

    Alive while `used` is false and the round is open; deleted when the round closes (RoundTurnout keeps
    the counts). Deliberately nothing else: no timestamp, no holder, no reference to the sheet it
    produced, no sequential id.
    """

    token_hash = models.CharField(_("token hash"), max_length=64, primary_key=True)
    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="ballot_tokens"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    subject_ids = models.JSONField(_("cadres on the ballot"), default=list)
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("ballot token")
        verbose_name_plural = _("ballot tokens")
        indexes = [models.Index(fields=["round", "unit", "used"], name="evaluations_token_turnout")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.unit_id}"


class RoundTurnout(models.Model):
    """The peer ballot turnout of one unit, frozen when the round closes (services.round_close).

    The round's tokens are deleted at close: a used token row carries the transaction id (xmin) of the
    sheet it produced, so keeping it would let a DBA match sheet to token. Only these counts survive.
    """

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="turnout"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    issued = models.PositiveIntegerField(_("ballots issued"))
    used = models.PositiveIntegerField(_("ballots returned"))

    class Meta:
        verbose_name = _("round turnout")
        verbose_name_plural = _("round turnout")
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="evaluations_turnout_once")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.unit_id}: {self.used}/{self.issued}"


class PeerSheet(models.Model):
    """One submitted peer ballot: a random id and its round. Nothing else, on purpose.

    Exists only while the round is open: at close, what scoring needs from the grouping is frozen in
    SheetFigures and the sheets are dissolved (evaluations.sealing): their ratings lose `sheet`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="peer_sheets"
    )

    class Meta:
        verbose_name = _("peer sheet")
        verbose_name_plural = _("peer sheets")

    def __str__(self) -> str:
        return str(self.pk)


class PeerRating(models.Model):
    """A peer sheet's rating of one colleague. `round` repeats the sheet's, so that GROUP BY needs no join.
    `sheet` is None once the round has closed (evaluations.sealing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(
        PeerSheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="ratings", null=True, blank=True
    )
    round = models.ForeignKey(EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Cadre, verbose_name=_("rated cadre"), on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("overall grade"), max_length=20, choices=Grade.choices)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("peer rating")
        verbose_name_plural = _("peer ratings")
        constraints = [models.UniqueConstraint(fields=["sheet", "subject"], name="evaluations_peerrating_once")]
        indexes = [models.Index(fields=["round", "subject"], name="evaluations_peerrating_subject")]

    def __str__(self) -> str:
        return str(self.pk)


class PeerScore(models.Model):
    """The frequency score of one manifestation in one peer rating. No surrogate key: nothing sequential."""

    pk = models.CompositePrimaryKey("rating", "manifestation")
    rating = models.ForeignKey(PeerRating, on_delete=models.CASCADE, related_name="scores")
    manifestation = models.ForeignKey(Manifestation, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"), choices=Frequency.choices)

    class Meta:
        verbose_name = _("peer score")
        verbose_name_plural = _("peer scores")
        constraints = [
            models.CheckConstraint(condition=Q(value__lte=SCORE_MAX), name="evaluations_peerscore_range"),
        ]

    def __str__(self) -> str:
        return f"{self.manifestation_id}: {self.value}"


class SheetFigures(models.Model):
    """What scoring needs from one cadre's peer ratings grouped by sheet, frozen when the round closes.

    A sheet's subject set can name its rater (in a small unit it is the unit minus the rater), so the
    grouping does not outlive the round's close: these figures are taken from it, then it is dissolved
    (evaluations.sealing). They depend on the round's k, which cannot change after the round is created.
    """

    round = models.ForeignKey(EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Cadre, verbose_name=_("rated cadre"), on_delete=models.PROTECT, related_name="+")
    # The sum and count of the severity offsets of the ballots that rated the cadre (scoring.SubjectInput).
    offset_sum = models.FloatField(_("sum of ballot offsets"))
    offset_sheets = models.PositiveIntegerField(_("ballots with an offset"))
    straight_lined_sheets = models.PositiveIntegerField(_("straight-lined sheets"))

    class Meta:
        verbose_name = _("sheet figures")
        verbose_name_plural = _("sheet figures")
        constraints = [models.UniqueConstraint(fields=["round", "subject"], name="evaluations_sheetfigures_once")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.subject_id}"


# --- Identified ratings: self and leader ----------------------------------------------------------


IDENTIFIED_RELATIONS = [(Relation.SELF.value, Relation.SELF.label), (Relation.LEADER.value, Relation.LEADER.label)]


class IdentifiedRatingQuerySet(models.QuerySet["IdentifiedRating"]):
    def assigned_to(self, user: User | AnonymousUser) -> IdentifiedRatingQuerySet:
        """The user's own rating assignments: their self-evaluations and the cadres they lead."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(relation=Relation.SELF, subject__user=user) | Q(relation=Relation.LEADER, rater=user))

    def submitted(self) -> IdentifiedRatingQuerySet:
        return self.filter(submitted_at__isnull=False)


class IdentifiedRating(models.Model):
    """A signed rating (self or leader), created as an assignment when the round opens.

    `submitted_at` is empty until the rater submits. For a self-evaluation `rater` stays empty until
    then (the cadre's account may be linked after the round opened) and records who signed it.
    """

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="identified_ratings"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=IDENTIFIED_RELATIONS)
    subject = models.ForeignKey(Cadre, verbose_name=_("rated cadre"), on_delete=models.PROTECT, related_name="+")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rater"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade = models.CharField(_("overall grade"), max_length=20, choices=Grade.choices, blank=True)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = IdentifiedRatingQuerySet.as_manager()

    class Meta:
        ordering = ["round", "relation", "subject__unit__path", "subject__name"]
        verbose_name = _("identified rating")
        verbose_name_plural = _("identified ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject"], condition=Q(relation="self"), name="evaluations_self_once"
            ),
            models.UniqueConstraint(
                fields=["round", "subject", "rater"], condition=Q(relation="leader"), name="evaluations_leader_once"
            ),
            models.CheckConstraint(
                condition=~Q(relation="leader") | Q(rater__isnull=False), name="evaluations_leader_has_rater"
            ),
        ]
        indexes = [models.Index(fields=["round", "relation", "subject"], name="evaluations_identified_subject")]

    def __str__(self) -> str:
        return f"{self.get_relation_display()} · {self.subject}"

    @property
    def is_self(self) -> bool:
        return self.relation == Relation.SELF


class IdentifiedScore(models.Model):
    """The frequency score of one manifestation in one self or leader rating."""

    pk = models.CompositePrimaryKey("rating", "manifestation")
    rating = models.ForeignKey(IdentifiedRating, on_delete=models.CASCADE, related_name="scores")
    manifestation = models.ForeignKey(Manifestation, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"), choices=Frequency.choices)

    class Meta:
        verbose_name = _("identified score")
        verbose_name_plural = _("identified scores")
        constraints = [
            models.CheckConstraint(condition=Q(value__lte=SCORE_MAX), name="evaluations_identifiedscore_range"),
        ]

    def __str__(self) -> str:
        return f"{self.manifestation_id}: {self.value}"


# --- Identification: frozen results ---------------------------------------------------------------


class IdentificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting to run")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class IdentificationRun(models.Model):
    """The one identification of a closed round: its progress, and once `done`, the sign that its results
    are frozen. Written only by evaluations.identification; pages poll `done` / `total` while it runs.

    `attempt` counts starts: a redelivered task (acks_late) or a retry bumps it, and a chunk written by an
    older attempt is refused, so two workers on one round can never mix their rows.
    """

    round = models.OneToOneField(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="identification"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IdentificationStatus.choices, default=IdentificationStatus.PENDING
    )
    total = models.PositiveIntegerField(_("cadres to score"), default=0)
    done = models.PositiveIntegerField(_("cadres scored"), default=0)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    inline = models.BooleanField(_("run in the request"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("identification run")
        verbose_name_plural = _("identification runs")

    def __str__(self) -> str:
        return f"{self.round_id} · {self.status}"

    @property
    def is_done(self) -> bool:
        return bool(self.status == IdentificationStatus.DONE)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class SubjectResult(models.Model):
    """One cadre's frozen result in one round: the figures exactly as every output shows them.

    `figures` never holds a number drawn from a peer group below k: such a group is stored as
    `{"withheld": true, "k": k}` (evaluations.identification.figures_json). `unit` is the cadre's unit
    when the round was identified, so that a later transfer does not move a result between units.
    """

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="subject_results"
    )
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    is_candidate = models.BooleanField(_("candidate"), default=False)
    composite = models.DecimalField(_("composite index"), max_digits=3, decimal_places=2, null=True, blank=True)
    peer_withheld = models.BooleanField(_("peer ratings withheld (below k)"), default=False)
    figures = models.JSONField(_("figures"), default=dict)
    flags = models.JSONField(_("flags"), default=list)
    notes = models.JSONField(_("notes"), default=list)

    class Meta:
        verbose_name = _("cadre result")
        verbose_name_plural = _("cadre results")
        constraints = [models.UniqueConstraint(fields=["round", "cadre"], name="evaluations_result_once")]
        indexes = [models.Index(fields=["round", "is_candidate"], name="evaluations_result_candidate")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.cadre_id}"


class RoundResultSummary(models.Model):
    """A round's frozen overview: counts, the composite distribution, candidates and turnout per unit."""

    round = models.OneToOneField(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="result_summary"
    )
    subjects = models.PositiveIntegerField(_("cadres"))
    candidates = models.PositiveIntegerField(_("candidates"))
    without_composite = models.PositiveIntegerField(_("cadres without a composite"))
    peer_withheld = models.PositiveIntegerField(_("cadres with peer ratings withheld"))
    straight_lined_ballots = models.PositiveIntegerField(_("straight-lined ballots"))
    flag_counts = models.JSONField(_("cadres per flag"), default=dict)
    distribution = models.JSONField(_("composite distribution"), default=list)
    candidates_by_unit = models.JSONField(_("candidates per unit"), default=list)
    turnout_by_unit = models.JSONField(_("turnout per unit"), default=list)
    rules = models.JSONField(_("rules applied"), default=dict)
    created_at = models.DateTimeField(_("frozen at"), default=timezone.now)

    class Meta:
        verbose_name = _("round result summary")
        verbose_name_plural = _("round result summaries")

    def __str__(self) -> str:
        return str(self.round_id)
