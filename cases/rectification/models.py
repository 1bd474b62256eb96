"""Rectification cases, their talks (谈话), commitments, plans and care measures; reminders and notifications.
Unannounced visits are in `visit_models.py`, circulars in `circular_models.py`.

The case's state is a django-fsm-2 field (protected): transitions only set fields; the services
(`services.py`, `talk_services.py`, `period_services.py`) lock the row, check state and person, call them,
save and audit. Nothing else writes these models. A talk is frozen once its talker signs it (`signed_at`);
the services refuse any change after that.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from cases.rectification import verdicts
from project.org.models import Cadre, Role, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

    class ConcurrentTransitionMixin:
        """mypy sees django-fsm-2's mixin as Any (4.2.4), which would make the models Any too."""

else:
    # Refuses a save whose state changed underneath, on top of the row locks the services take.
    from django_fsm import ConcurrentTransitionMixin


class CaseState(models.TextChoices):
    NOMINATED = "nominated", _("nominated (待组织评定)")
    CONFIRMED = "confirmed", _("confirmed target (确定为整治对象)")
    DISMISSED = "dismissed", _("dismissed (不予确定)")
    TALKING = "talking", _("talks under way (谈心谈话)")
    RECTIFYING = "rectifying", _("rectifying (整改期)")
    VERIFYING = "verifying", _("verifying (核查)")
    CLOSED_RECTIFIED = "closed_rectified", _("closed, rectified (销号)")
    ESCALATED = "escalated", _("escalated (从严处理)")
    CLOSED_HANDLED = "closed_handled", _("closed after handling (处理办结)")
    WITHDRAWN = "withdrawn", _("withdrawn (撤销)")


# A case is open until it is dismissed, closed or withdrawn; a cadre has at most one open case.
OPEN_STATES: tuple[str, ...] = (
    CaseState.NOMINATED,
    CaseState.CONFIRMED,
    CaseState.TALKING,
    CaseState.RECTIFYING,
    CaseState.VERIFYING,
    CaseState.ESCALATED,
)
CLOSED_STATES: tuple[str, ...] = (CaseState.CLOSED_RECTIFIED, CaseState.CLOSED_HANDLED)
# States in which the leader holds talks, and adds plans and care measures.
TALK_STATES: tuple[str, ...] = (CaseState.TALKING, CaseState.RECTIFYING, CaseState.ESCALATED)
SUPPORT_STATES: tuple[str, ...] = (
    CaseState.CONFIRMED,
    CaseState.TALKING,
    CaseState.RECTIFYING,
    CaseState.VERIFYING,
    CaseState.ESCALATED,
)
PLAN_STATES: tuple[str, ...] = (CaseState.TALKING, CaseState.ESCALATED)
# States in which the case has a leader in charge who may be replaced (talks begun, not yet closed).
LEADER_STATES: tuple[str, ...] = (CaseState.TALKING, CaseState.RECTIFYING, CaseState.VERIFYING, CaseState.ESCALATED)
# States in which a circular may name the case: a confirmed target (past 组织评定) not ended otherwise. Not a
# nominated case (no target yet), a dismissed or withdrawn one, nor one closed rectified (a circular naming it
# would be flagged for withdrawal at once).
NAMEABLE_STATES: tuple[str, ...] = (*LEADER_STATES, CaseState.CONFIRMED, CaseState.CLOSED_HANDLED)


class Manifestation(models.TextChoices):
    """The five manifestations of Ziyang's campaign. A round may add its own codes; unknown codes show as is."""

    # The words of a round's defaults (evaluations.models.DEFAULT_MANIFESTATIONS), so that a manifestation is
    # named the same on the result card, the case list and the case page.
    M1 = "M1", _("M1 Pushing work up and down")
    M2 = "M2", _("M2 Waiting for retirement")
    M3 = "M3", _("M3 Just getting through the day")
    M4 = "M4", _("M4 High aims, poor execution")
    M5 = "M5", _("M5 Unchanged despite repeated correction")


class WithdrawalReason(models.TextChoices):
    RETIRED = "retired", _("retired (退休)")
    TRANSFERRED = "transferred", _("transferred (调离)")
    DECEASED = "deceased", _("deceased (去世)")
    OTHER = "other", _("other (其他)")


class HandlingMeasure(models.TextChoices):
    """The outcome ladder after an unfavourable verification, lightest first."""

    CRITICISM = "criticism", _("criticism and education, written self-examination (批评教育、书面检查)")
    ADMONISHMENT = "admonishment", _("admonishment (诫勉)")
    CIRCULAR = "circular", _("critical circular (通报批评)")
    NO_EXCELLENCE = "no_excellence", _("loss of this year's excellence eligibility (取消年度评优资格)")
    GRADE = "grade", _("annual grade basically competent or incompetent (年度考核基本称职/不称职)")
    ADJUSTMENT = "adjustment", _("organizational adjustment (调离岗位、免职、降职)")


class RectificationCaseQuerySet(models.QuerySet["RectificationCase"]):
    def visible_to(self, user: User | AnonymousUser) -> RectificationCaseQuerySet:
        """Cases whose staff pages the user may read.

        org_admin and auditor of the case unit's subtree see all of them; the assigned leader sees
        their cases. The cadre concerned never does, whatever roles they hold: they see their own
        case only through `own_for` (the summary page). Inspectors and everybody else: nothing.
        One query, plus the user's grants (cached on the user).
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        # Subqueries on the small unit and cadre tables, not joins: counting a page of 100,000 cases
        # then reads only the case table (docs/BENCHMARKS.md, "Cases").
        units = Unit.objects.filter(subtree_filter(user, {Role.ORG_ADMIN, Role.AUDITOR}, "path")).values("pk")
        own = Cadre.objects.filter(user=user).values("pk")
        return self.filter(Q(unit_id__in=units) | Q(leader=user)).exclude(cadre_id__in=own)

    def own_for(self, user: User | AnonymousUser) -> RectificationCaseQuerySet:
        """The cases of the cadre linked to this user, nominated ones excepted (not yet a decision)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(cadre__user=user).exclude(state__in=[CaseState.NOMINATED, CaseState.DISMISSED])

    def open(self) -> RectificationCaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def with_overdue(self, today: date) -> RectificationCaseQuerySet:
        """Annotate `is_overdue` (an open commitment past its deadline, or a period past its end) and
        `period_over` (the period past its end), so that a list can say which."""
        return self.annotate(
            is_overdue=ExpressionWrapper(overdue_q(today), output_field=models.BooleanField()),
            period_over=ExpressionWrapper(period_over_q(today), output_field=models.BooleanField()),
        )

    def overdue(self, today: date) -> RectificationCaseQuerySet:
        return self.filter(overdue_q(today))

    def past_period_unscoped(self, today: date) -> RectificationCaseQuerySet:
        """Rectifying cases whose period ended before `today`, across all units: for the scheduled job only."""
        return self.filter(period_over_q(today))


RectificationCaseManager = models.Manager.from_queryset(RectificationCaseQuerySet)


def overdue_q(today: date) -> Q:
    """An open commitment of the case past its deadline, or a rectification period past its end."""
    late_commitment = Commitment.objects.filter(case=OuterRef("pk"), status=CommitmentStatus.OPEN, deadline__lt=today)
    return Q(Exists(late_commitment)) | period_over_q(today)


def period_over_q(today: date) -> Q:
    """A case still rectifying after its period ended (the daily job moves it to verification)."""
    return Q(state=CaseState.RECTIFYING, period_end__lt=today)


# Conditions of transitions. They look the hooks up when called, so tests (and the visits module,
# later) can replace `verdicts.has_improved_visit` without touching the decorated methods.
# (Typed `Any`: django-fsm-2 declares conditions as taking any Model.)
def _ready_to_rectify(case: Any) -> bool:
    return bool(case.has_signed_talk() and case.has_plan_with_commitment())


def _improved(case: Any) -> bool:
    return verdicts.has_improved_visit(case)


def _unimproved(case: Any) -> bool:
    return verdicts.has_unimproved_visit(case)


class RectificationCase(ConcurrentTransitionMixin, models.Model):
    """One rectification case (整治案件) of one cadre.

    `unit` is the cadre's unit when the case was opened: visibility follows it even if the cadre moves.
    `evidence` is what the round said at nomination (scores, flags, reasons), frozen: later changes to
    the round never rewrite why a case was opened. `predecessor` links a new case of a cadre with an
    earlier closed one (`repeat_offence`, 屡教不改).
    """

    state = FSMField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.NOMINATED, protected=True)
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="rectification_cases"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit at the time"), on_delete=models.PROTECT, related_name="rectification_cases"
    )
    round_id = models.PositiveIntegerField(_("evaluation round"), null=True, blank=True, editable=False)
    round_title = models.CharField(_("evaluation round title"), max_length=200, blank=True, editable=False)
    evidence = models.JSONField(_("evidence at nomination"), default=dict, blank=True, editable=False)
    manifestations = models.JSONField(_("manifestations"), default=list, blank=True)
    opening_reason = models.TextField(_("reason for opening outside a round"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Organizational determination (组织评定)
    determination_note = models.TextField(_("determination note (评定意见)"), blank=True)
    dismissal_reason = models.TextField(_("reason for dismissal"), blank=True)
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("determined by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    determined_at = models.DateTimeField(_("determined at"), null=True, blank=True)

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge (分管领导)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_rectification_cases",
    )
    leader_assigned_at = models.DateTimeField(_("leader assigned at"), null=True, blank=True)

    period_start = models.DateField(_("rectification period from"), null=True, blank=True)
    period_end = models.DateField(_("rectification period until"), null=True, blank=True)
    verifying_since = models.DateTimeField(_("verification since"), null=True, blank=True)

    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("earlier case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    repeat_offence = models.BooleanField(_("repeat offence (屡教不改)"), default=False)

    handling_measure = models.CharField(
        _("handling measure"), max_length=20, choices=HandlingMeasure.choices, blank=True
    )
    handling_note = models.TextField(_("handling note"), blank=True)
    withdrawal_reason = models.CharField(
        _("reason for withdrawal"), max_length=20, choices=WithdrawalReason.choices, blank=True
    )
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[RectificationCaseManager[RectificationCase]] = RectificationCaseManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rectification case (整治案件)")
        verbose_name_plural = _("rectification cases (整治案件)")
        constraints = [
            # One open case per cadre, kept by the database too (two rounds nominating at once).
            models.UniqueConstraint(
                fields=["cadre"], condition=Q(state__in=OPEN_STATES), name="rectification_one_open_case"
            ),
            # A round nominates a cadre once.
            models.UniqueConstraint(
                fields=["cadre", "round_id"],
                condition=Q(round_id__isnull=False),
                name="rectification_once_per_round",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "period_end"], name="rectification_period_idx"),
            models.Index(fields=["leader", "state"], name="rectification_leader_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.cadre}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def manifestation_labels(self) -> list[str]:
        known = dict(Manifestation.choices)
        return [str(known.get(code, code)) for code in self.manifestations]

    def has_signed_talk(self) -> bool:
        """At least one talk signed by its talker."""
        return self.talks.filter(signed_at__isnull=False).exists()

    def has_plan_with_commitment(self) -> bool:
        """A rectification plan, and at least one commitment with a deadline."""
        return self.plans.exists() and self.commitments.filter(deadline__isnull=False).exists()

    # --- transitions: they only set fields ------------------------------------------------------

    @transition(field=state, source=CaseState.NOMINATED, target=CaseState.CONFIRMED)
    def confirm(self, *, by: User, at: Any, note: str) -> None:
        self.determination_note = note
        self.determined_by = by
        self.determined_at = at

    @transition(field=state, source=CaseState.NOMINATED, target=CaseState.DISMISSED)
    def dismiss(self, *, by: User, at: Any, reason: str) -> None:
        self.dismissal_reason = reason
        self.determined_by = by
        self.determined_at = at

    @transition(field=state, source=CaseState.CONFIRMED, target=CaseState.TALKING)
    def assign_leader(self, *, leader: User, at: Any) -> None:
        self.leader = leader
        self.leader_assigned_at = at

    @transition(field=state, source=CaseState.TALKING, target=CaseState.RECTIFYING, conditions=[_ready_to_rectify])
    def start_rectifying(self, *, start: date, end: date) -> None:
        self.period_start = start
        self.period_end = end

    @transition(field=state, source=CaseState.RECTIFYING, target=CaseState.VERIFYING)
    def move_to_verifying(self, *, at: Any) -> None:
        self.verifying_since = at

    @transition(field=state, source=CaseState.VERIFYING, target=CaseState.CLOSED_RECTIFIED, conditions=[_improved])
    def close_rectified(self, *, at: Any) -> None:
        self.closed_at = at

    @transition(field=state, source=CaseState.VERIFYING, target=CaseState.ESCALATED, conditions=[_unimproved])
    def escalate(self, *, measure: str, note: str) -> None:
        self.handling_measure = measure
        self.handling_note = note

    @transition(field=state, source=CaseState.ESCALATED, target=CaseState.RECTIFYING)
    def restart_rectifying(self, *, start: date, end: date) -> None:
        self.period_start = start
        self.period_end = end
        self.verifying_since = None

    @transition(field=state, source=CaseState.ESCALATED, target=CaseState.CLOSED_HANDLED)
    def close_handled(self, *, at: Any) -> None:
        self.closed_at = at

    @transition(field=state, source=list(OPEN_STATES), target=CaseState.WITHDRAWN)
    def withdraw(self, *, reason: str, note: str, at: Any) -> None:
        self.withdrawal_reason = reason
        self.withdrawal_note = note
        self.closed_at = at


class TalkKind(models.TextChoices):
    HEART_TO_HEART = "heart_to_heart", _("heart-to-heart talk (谈心谈话)")
    REMINDER = "reminder", _("reminder talk (提醒谈话)")
    ADMONISHMENT = "admonishment", _("admonishment talk (诫勉谈话)")


class Acknowledgement(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("acknowledged (已阅知)")
    DISSENT = "dissent", _("dissent recorded (有异议)")


class Talk(models.Model):
    """A talk record (谈话记录). Names, units and posts are copied from the roster when it is recorded
    (never typed), and the whole record is frozen when the talker signs it."""

    case = models.ForeignKey(RectificationCase, on_delete=models.PROTECT, related_name="talks")
    kind = models.CharField(_("kind of talk"), max_length=20, choices=TalkKind.choices, default=TalkKind.HEART_TO_HEART)
    held_at = models.DateTimeField(_("time (时间)"))
    place = models.CharField(_("place (地点)"), max_length=200)
    talker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("talker (谈话人)"), on_delete=models.PROTECT, related_name="+"
    )
    talker_name = models.CharField(_("talker's name"), max_length=100, editable=False)
    talker_unit = models.CharField(_("talker's unit"), max_length=200, blank=True, editable=False)
    talker_post = models.CharField(_("talker's post"), max_length=100, blank=True, editable=False)
    recorder = models.ForeignKey(Cadre, verbose_name=_("recorder (记录人)"), on_delete=models.PROTECT, related_name="+")
    recorder_name = models.CharField(_("recorder's name"), max_length=100, editable=False)
    recorder_unit = models.CharField(_("recorder's unit"), max_length=200, blank=True, editable=False)
    recorder_post = models.CharField(_("recorder's post"), max_length=100, blank=True, editable=False)
    subject_name = models.CharField(_("subject's name"), max_length=100, editable=False)
    subject_unit = models.CharField(_("subject's unit"), max_length=200, blank=True, editable=False)
    subject_post = models.CharField(_("subject's post"), max_length=100, blank=True, editable=False)
    purpose = models.TextField(_("reason for the talk (事由)"))
    content = models.TextField(_("main content (主要内容)"))
    statement = models.TextField(_("the cadre's statement (本人表态)"), blank=True)
    copy_to = models.CharField(_("copy to (抄送)"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    signed_at = models.DateTimeField(_("signed by the talker at"), null=True, blank=True, editable=False)
    acknowledgement = models.CharField(
        _("the cadre's answer"), max_length=20, choices=Acknowledgement.choices, blank=True, editable=False
    )
    dissent = models.TextField(_("dissent (异议)"), blank=True, editable=False)
    acknowledged_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("talk record (谈话记录)")
        verbose_name_plural = _("talk records (谈话记录)")
        indexes = [models.Index(fields=["case", "signed_at"], name="rectification_talk_signed_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_name} · {self.held_at:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_answered(self) -> bool:
        return self.acknowledged_at is not None


class CommitmentStatus(models.TextChoices):
    """Stored status. "Overdue" is not stored: it is an open commitment past its deadline, computed."""

    OPEN = "open", pgettext_lazy("commitment status", "open")
    DONE = "done", pgettext_lazy("commitment status", "done")


class Commitment(models.Model):
    """A follow-up commitment (后续措施) with its deadline, tracked until done."""

    case = models.ForeignKey(RectificationCase, on_delete=models.PROTECT, related_name="commitments")
    talk = models.ForeignKey(Talk, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments")
    text = models.CharField(_("commitment"), max_length=500)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("commitment (承诺事项)")
        verbose_name_plural = _("commitments (承诺事项)")
        indexes = [models.Index(fields=["case", "status", "deadline"], name="rectification_commit_due_idx")]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, today: date) -> bool:
        return self.status == CommitmentStatus.OPEN and self.deadline is not None and self.deadline < today

    def status_label(self, today: date) -> str:
        return str(_("overdue (逾期)")) if self.is_overdue(today) else str(self.get_status_display())


class RectificationPlan(models.Model):
    """A rectification plan (整改方案): the measures and the period's length. The latest one counts."""

    case = models.ForeignKey(RectificationCase, on_delete=models.PROTECT, related_name="plans")
    measures = models.TextField(_("measures (整改措施)"))
    period_months = models.PositiveSmallIntegerField(_("rectification period in months"), default=6)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn up by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drawn up at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rectification plan (整改方案)")
        verbose_name_plural = _("rectification plans (整改方案)")

    def __str__(self) -> str:
        return f"#{self.case_id} · {self.created_at:%Y-%m-%d}"


class CareKind(models.TextChoices):
    EXCELLENCE_ELIGIBILITY = "excellence", _("excellence evaluation eligibility (评优评先资格)")
    UNION_VISIT = "union_visit", _("union condolence visit (工会慰问)")
    PAIRING = "pairing", _("pairing with an advanced unit (结对帮扶先进单位)")
    TRAINING = "training", _("training (培训)")


class CareMeasure(models.Model):
    """A care and incentive measure (关心关爱、激励措施), dated and attributed."""

    case = models.ForeignKey(RectificationCase, on_delete=models.PROTECT, related_name="care_measures")
    kind = models.CharField(_("kind"), max_length=20, choices=CareKind.choices)
    description = models.TextField(_("description"))
    on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("care measure (关爱激励措施)")
        verbose_name_plural = _("care measures (关爱激励措施)")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.on:%Y-%m-%d}"


# --- reminders (提醒) in Chinese working days, and in-app notifications ---------------------------------------


class CaseReminderKind(models.TextChoices):
    TALK_DUE = "talk_due", _("talk due (谈话到期)")
    COMMITMENT_DUE = "commitment_due", _("commitment due (承诺事项到期)")
    COMMITMENT_OVERDUE = "commitment_overdue", _("commitment overdue (承诺事项逾期)")
    VISIT_DUE = "visit_due", _("unannounced visit due (暗访日期临近)")


class CaseReminder(models.Model):
    """One reminder sent: (kind, object, due date) is unique, so it is never sent twice.

    `object_id` is the case (talk due), the commitment, or the visit plan, according to `kind`.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=CaseReminderKind.choices)
    object_id = models.PositiveIntegerField(_("object"))
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("case reminder")
        verbose_name_plural = _("case reminders")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "due_on"], name="case_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} {self.due_on:%Y-%m-%d}"


class Notification(models.Model):
    """An in-app notice for one person (a reminder, mostly); read when they open it from the list."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text
