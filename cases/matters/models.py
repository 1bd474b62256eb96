"""Accountability matters (问责事项) and their fault-tolerance review (容错纠错).

The matter's state is a django-fsm-2 field: transitions only set fields, services in `services.py` and
`decision_services.py` lock the row, check state and permission, call them, save and audit. Nothing else writes
these models.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from project.org.models import Cadre, Role, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

    class ConcurrentTransitionMixin:
        """mypy sees django-fsm-2's mixin as Any (django-fsm-2 4.2.4), which would make the models and every
        queryset of them Any too; to the type checker it is a plain mixin."""

else:
    # Refuses a save whose state changed underneath, on top of the row locks the services take.
    from django_fsm import ConcurrentTransitionMixin


class MatterState(models.TextChoices):
    RECEIVED = "received", _("received (登记)")
    APPLIED = "applied", _("applied for (申请)")
    ACCEPTED = "accepted", _("accepted (受理)")
    NOT_ACCEPTED = "not_accepted", _("not accepted (不予受理)")
    INVESTIGATING = "investigating", _("under investigation (调查核实)")
    RECOMMENDED = "recommended", _("recommended (待集体认定)")
    DECIDED = "decided", _("decided (认定)")
    APPEALED = "appealed", _("appealed (申诉)")
    CLOSED = "closed", _("closed (办结)")


class ApplicantKind(models.TextChoices):
    CADRE = "cadre", _("the cadre (本人申请)")
    UNIT = "unit", _("the cadre's unit (所在单位申请)")
    BODY = "body", _("proposed by the accountability body (问责机关提出)")


class Outcome(models.TextChoices):
    """The engine's outcomes (cases.fault_tolerance.Outcome), with labels for people."""

    OUT_OF_SCOPE = "OUT_OF_SCOPE", _("out of scope: fault tolerance does not apply (不适用容错)")
    INSUFFICIENT = "INSUFFICIENT", _("insufficient: answers missing (待补充)")
    NOT_TOLERATED = "NOT_TOLERATED", _("not tolerated (不予容错)")
    NO_FAULT = "NO_FAULT", _("no fault of this person (不予追责)")
    NOT_PURSUED = "NOT_PURSUED", _("not pursued: force majeure (不予追究)")
    EXEMPT = "EXEMPT", _("exempted (免责)")
    REDUCED = "REDUCED", _("lighter or reduced (从轻减轻)")


# What a person may decide: every outcome except "insufficient", which is not a decision.
DECISION_OUTCOMES = [choice for choice in Outcome if choice is not Outcome.INSUFFICIENT]
# Tolerated outcomes carry correction tasks (纠错) and cannot be decided without one.
CORRECTION_REQUIRED = frozenset({Outcome.EXEMPT, Outcome.REDUCED})
# Outcomes that count as "tolerated" for the G9 suggestion (屡教不改).
TOLERATED = frozenset({Outcome.EXEMPT, Outcome.REDUCED})


class AnswerValue(models.TextChoices):
    YES = "yes", _("yes (是)")
    NO = "no", _("no (否)")
    PARTLY = "partly", _("partly (部分)")
    FAVOURABLE = "favourable", _("favourable (有利)")
    NEUTRAL = "neutral", _("neutral (中性)")
    UNFAVOURABLE = "unfavourable", _("unfavourable (不利)")
    UNKNOWN = "unknown", _("unknown (不明)")


class RiskPreRegistrationQuerySet(models.QuerySet["RiskPreRegistration"]):
    def visible_to(self, user: User | AnonymousUser) -> RiskPreRegistrationQuerySet:
        """The cadre's own, and those in a subtree where the user is org_admin, reviewer or auditor."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        roles = {Role.ORG_ADMIN, Role.REVIEWER, Role.AUDITOR}
        return self.filter(subtree_filter(user, roles, "unit__path") | Q(cadre__user=user))


RiskPreRegistrationManager = models.Manager.from_queryset(RiskPreRegistrationQuerySet)


class RiskPreRegistration(models.Model):
    """容错报备: a cadre registers a risky measure before acting, to be cited if it goes wrong."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="risk_preregistrations"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit at registration"), on_delete=models.PROTECT, related_name="+")
    measure = models.TextField(_("measure to be taken"))
    risks = models.TextField(_("foreseeable risks"))
    registered_on = models.DateField(_("registered on (报备日期)"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects: ClassVar[RiskPreRegistrationManager[RiskPreRegistration]] = RiskPreRegistrationManager()

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("risk pre-registration (容错报备)")
        verbose_name_plural = _("risk pre-registrations (容错报备)")

    def __str__(self) -> str:
        return f"{self.cadre} · {self.registered_on:%Y-%m-%d}"


class AccountabilityMatterQuerySet(models.QuerySet["AccountabilityMatter"]):
    def visible_to(self, user: User | AnonymousUser) -> AccountabilityMatterQuerySet:
        """Matters whose file the user may read: assigned reviewers, org_admins and auditors of the subtree.

        The cadre concerned is never among them, whatever roles they hold: they see their own matter
        only through `own_for` (application, status, feedback — never the file). One query, plus the
        user's grants (cached on the user).
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        assigned = Exists(MatterReviewer.objects.filter(matter=OuterRef("pk"), user=user))
        scope = subtree_filter(user, {Role.ORG_ADMIN, Role.AUDITOR}, "unit__path")
        return self.filter(Q(assigned) | scope).exclude(cadre__user=user)

    def own_for(self, user: User | AnonymousUser) -> AccountabilityMatterQuerySet:
        """The matters concerning the cadre linked to this user."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(cadre__user=user)

    def overdue(self, today: date) -> AccountabilityMatterQuerySet:
        """Matters past their acceptance deadline (still applied) or investigation deadline (not recommended)."""
        return self.filter(overdue_q(today))


AccountabilityMatterManager = models.Manager.from_queryset(AccountabilityMatterQuerySet)


def overdue_q(today: date) -> Q:
    acceptance = Q(state=MatterState.APPLIED, acceptance_deadline__lt=today)
    investigation = Q(state__in=[MatterState.ACCEPTED, MatterState.INVESTIGATING], investigation_deadline__lt=today)
    return acceptance | investigation


class AccountabilityMatter(ConcurrentTransitionMixin, models.Model):
    """One accountability matter (问责事项) concerning one cadre, and its fault-tolerance review.

    `unit` is the cadre's unit when the matter was received: visibility follows it even if the cadre
    moves later. `ruleset` is pinned when the investigation starts and never changes afterwards, so a
    new default ruleset never re-grades a file already under review.
    """

    state = FSMField(
        _("state"), max_length=20, choices=MatterState.choices, default=MatterState.RECEIVED, protected=True
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="accountability_matters"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit at the time"), on_delete=models.PROTECT, related_name="accountability_matters"
    )
    title = models.CharField(_("title"), max_length=200)
    facts = models.TextField(_("facts"))
    is_inaction = models.BooleanField(
        _("concerns inaction (不作为慢作为)"), default=False, help_text=_("The matter is about failing to act.")
    )
    received_on = models.DateField(_("received on (登记日期)"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )

    # Application (申请)
    applicant_kind = models.CharField(_("applicant"), max_length=10, choices=ApplicantKind.choices, blank=True)
    application_statement = models.TextField(_("application (申请理由)"), blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("application recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acceptance_deadline = models.DateField(_("acceptance deadline (受理期限)"), null=True, blank=True)

    # Acceptance (受理)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    rejected_on = models.DateField(_("not accepted on"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for not accepting"), blank=True)

    # Investigation (调查核实)
    investigation_deadline = models.DateField(_("investigation deadline (调查期限)"), null=True, blank=True)
    investigation_deadline_original = models.DateField(_("original investigation deadline"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    investigation_started_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    ruleset = models.CharField(_("ruleset"), max_length=50, blank=True, editable=False)

    # Recommendation (the engine's, from the saved checklist)
    recommended_outcome = models.CharField(_("recommendation"), max_length=20, choices=Outcome.choices, blank=True)
    recommendation = models.JSONField(_("assessment"), default=dict, blank=True, editable=False)
    recommended_at = models.DateTimeField(_("recommended at"), null=True, blank=True)

    # Decision (集体认定), recorded by two different people through MatterDecision
    decided_outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    # Appeal (申诉)
    appeal_reason = models.TextField(_("grounds of appeal"), blank=True)
    appealed_on = models.DateField(_("appealed on"), null=True, blank=True)

    # Filing upward (备案) and clearing the name (澄清正名)
    filed_on = models.DateField(_("filed on (备案日期)"), null=True, blank=True)
    filed_with = models.CharField(_("filed with (备案机关)"), max_length=200, blank=True)
    filing_recorded_at = models.DateTimeField(_("filing recorded at"), null=True, blank=True)
    name_cleared = models.BooleanField(_("name cleared publicly (澄清正名)"), default=False)
    name_cleared_on = models.DateField(_("name cleared on"), null=True, blank=True)
    name_cleared_text = models.TextField(_("clarification text"), blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    preregistrations = models.ManyToManyField(
        RiskPreRegistration, verbose_name=_("risk pre-registrations (容错报备)"), blank=True, related_name="matters"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[AccountabilityMatterManager[AccountabilityMatter]] = AccountabilityMatterManager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("accountability matter (问责事项)")
        verbose_name_plural = _("accountability matters (问责事项)")
        indexes = [
            models.Index(fields=["state", "acceptance_deadline"], name="matters_acceptance_due_idx"),
            models.Index(fields=["state", "investigation_deadline"], name="matters_investigation_due_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def is_overdue(self, today: date) -> bool:
        if self.state == MatterState.APPLIED and self.acceptance_deadline is not None:
            return self.acceptance_deadline < today
        if self.state in (MatterState.ACCEPTED, MatterState.INVESTIGATING) and self.investigation_deadline:
            return self.investigation_deadline < today
        return False

    @property
    def letter_is_tolerance(self) -> bool:
        return self.decided_outcome in (Outcome.EXEMPT, Outcome.REDUCED, Outcome.NO_FAULT, Outcome.NOT_PURSUED)

    # --- transitions: they only set fields ------------------------------------------------------

    @transition(field=state, source=MatterState.RECEIVED, target=MatterState.APPLIED)
    def apply(self, *, kind: str, statement: str, on: date, by: User, acceptance_deadline: date) -> None:
        self.applicant_kind = kind
        self.application_statement = statement
        self.applied_on = on
        self.applied_by = by
        self.acceptance_deadline = acceptance_deadline

    @transition(field=state, source=MatterState.APPLIED, target=MatterState.ACCEPTED)
    def accept(self, *, on: date, investigation_deadline: date) -> None:
        self.accepted_on = on
        self.investigation_deadline = investigation_deadline
        self.investigation_deadline_original = investigation_deadline

    @transition(field=state, source=MatterState.APPLIED, target=MatterState.NOT_ACCEPTED)
    def reject(self, *, on: date, reason: str) -> None:
        self.rejected_on = on
        self.rejection_reason = reason

    @transition(field=state, source=[MatterState.ACCEPTED, MatterState.APPEALED], target=MatterState.INVESTIGATING)
    def start_investigation(self, *, ruleset: str, at: Any, deadline: date | None = None) -> None:
        # Pinned once: a re-investigation after an appeal keeps the ruleset the file was reviewed under.
        if not self.ruleset:
            self.ruleset = ruleset
        if deadline is not None:
            self.investigation_deadline = deadline
        self.investigation_started_at = at

    @transition(field=state, source=MatterState.INVESTIGATING, target=MatterState.RECOMMENDED)
    def recommend(self, *, outcome: str, assessment: dict[str, Any], at: Any) -> None:
        self.recommended_outcome = outcome
        self.recommendation = assessment
        self.recommended_at = at

    @transition(field=state, source=MatterState.RECOMMENDED, target=MatterState.DECIDED)
    def decide(self, *, outcome: str, at: Any) -> None:
        self.decided_outcome = outcome
        self.decided_at = at
        self.decided_on = timezone.localdate(at)

    @transition(field=state, source=MatterState.DECIDED, target=MatterState.APPEALED)
    def appeal(self, *, reason: str, on: date) -> None:
        self.appeal_reason = reason
        self.appealed_on = on

    @transition(field=state, source=MatterState.DECIDED, target=MatterState.CLOSED)
    def close(self, *, at: Any) -> None:
        self.closed_at = at


class MatterReviewer(models.Model):
    """A person assigned to review one matter; `committee_chair` marks the chair of the determination."""

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    committee_chair = models.BooleanField(_("committee chair"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("matter reviewer")
        verbose_name_plural = _("matter reviewers")
        constraints = [models.UniqueConstraint(fields=["matter", "user"], name="matters_reviewer_unique")]
        indexes = [models.Index(fields=["user", "matter"], name="matters_reviewer_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · #{self.matter_id}"


def attachment_upload_to(answer: ChecklistAnswer, filename: str) -> str:
    # Named by a random id, never by the uploaded name: names carry people's names and end up in logs.
    return f"matters/{answer.matter_id}/evidence/{uuid.uuid4().hex}"


# The longest notes the checklist and a task's verification take (the forms and the services both say so).
EVIDENCE_NOTE_MAX_LENGTH = 4000
VERIFICATION_NOTE_MAX_LENGTH = 1000


class ChecklistAnswer(models.Model):
    """A reviewer's answer to one criterion of the matter's pinned ruleset, with its evidence.

    `suggested` answers were pre-filled by the system (`suggestion_source` says from what) and stay
    suggested until a reviewer saves the checklist, which confirms or overrides them.
    """

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="answers")
    criterion_id = models.CharField(_("criterion"), max_length=10)
    value = models.CharField(_("answer"), max_length=20, choices=AnswerValue.choices, default=AnswerValue.UNKNOWN)
    evidence_note = models.TextField(_("evidence note"), blank=True)  # at most EVIDENCE_NOTE_MAX_LENGTH
    attachment = models.FileField(_("attachment"), upload_to=attachment_upload_to, max_length=255, blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_content_type = models.CharField(_("attachment type"), max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(_("attachment size"), null=True, blank=True)
    suggested = models.BooleanField(_("suggested by the system"), default=False)
    suggested_value = models.CharField(_("suggested answer"), max_length=20, choices=AnswerValue.choices, blank=True)
    suggestion_source = models.TextField(_("suggestion source"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["matter", "id"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["matter", "criterion_id"], name="matters_answer_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.criterion_id}={self.value}"


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed, awaiting a second person")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")


class MatterDecision(ConcurrentTransitionMixin, models.Model):
    """A proposed decision and, once a second, different person confirms it, the decision itself.

    `recommended_outcome` and `assessment` are the engine's recommendation when the proposal was made,
    so the record shows whether — and why — the people departed from it.
    """

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="decisions")
    status = FSMField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED, protected=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    recommended_outcome = models.CharField(_("engine's recommendation"), max_length=20, choices=Outcome.choices)
    assessment = models.JSONField(_("assessment"), default=dict, editable=False)
    justification = models.TextField(_("justification"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declined by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            # At most one proposal waits for confirmation at a time.
            models.UniqueConstraint(
                fields=["matter"], condition=Q(status="proposed"), name="matters_one_pending_decision"
            ),
            # The two-person rule, kept by the database too.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("proposed_by")),
                name="matters_decision_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.outcome} ({self.status})"

    @property
    def differs_from_recommendation(self) -> bool:
        return self.outcome != self.recommended_outcome

    @transition(field=status, source=DecisionStatus.PROPOSED, target=DecisionStatus.CONFIRMED)
    def confirm(self, *, by: User, at: Any) -> None:
        self.confirmed_by = by
        self.confirmed_at = at

    @transition(field=status, source=DecisionStatus.PROPOSED, target=DecisionStatus.DECLINED)
    def decline(self, *, by: User, at: Any, reason: str) -> None:
        self.declined_by = by
        self.declined_at = at
        self.decline_reason = reason


class CorrectionTask(models.Model):
    """纠错: what must be put right after a tolerated error, by whom and by when; verified by someone else."""

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="correction_tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("what is to be corrected"))
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verification_note = models.TextField(_("verification note"), blank=True)  # at most VERIFICATION_NOTE_MAX_LENGTH

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("correction task (纠错)")
        verbose_name_plural = _("correction tasks (纠错)")

    def __str__(self) -> str:
        return f"#{self.matter_id} · {self.deadline:%Y-%m-%d}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class MatterFeedback(models.Model):
    """Written feedback (书面反馈) to the applicant: shown to the cadre on their matter page."""

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(_("feedback"))
    given_on = models.DateField(_("given on"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("feedback (反馈)")
        verbose_name_plural = _("feedback (反馈)")

    def __str__(self) -> str:
        return f"#{self.matter_id} · {self.given_on:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("acceptance overdue (受理超期)")
    INVESTIGATION = "investigation", _("investigation overdue (调查超期)")


class Reminder(models.Model):
    """One overdue reminder sent. The unique key makes sending it a second time impossible."""

    matter = models.ForeignKey(AccountabilityMatter, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    due_on = models.DateField(_("deadline"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["matter", "kind", "due_on"], name="matters_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.kind} {self.due_on:%Y-%m-%d}"
