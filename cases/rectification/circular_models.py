"""Circulars (通报) and their numbers.

Written only by `circulars.py`: draft → submitted → approved by a second person → published with a number and
its PDF → withdrawn. A published circular naming a case that later closes rectified is flagged.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cases.rectification.models import ConcurrentTransitionMixin, RectificationCase
from project.org.models import Role, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


class CircularState(models.TextChoices):
    DRAFT = "draft", _("draft (草稿)")
    SUBMITTED = "submitted", _("submitted for approval (待审批)")
    APPROVED = "approved", _("approved (已审批)")
    PUBLISHED = "published", _("published (已印发)")
    WITHDRAWN = "withdrawn", _("withdrawn (已撤回)")


class CircularQuerySet(models.QuerySet["Circular"]):
    def visible_to(self, user: User | AnonymousUser) -> CircularQuerySet:
        """Circulars of units in the subtrees where the user is org_admin or auditor."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        return self.filter(subtree_filter(user, {Role.ORG_ADMIN, Role.AUDITOR}, "unit__path"))


CircularManager = models.Manager.from_queryset(CircularQuerySet)


class Circular(ConcurrentTransitionMixin, models.Model):
    """A circular (通报) naming cases, in the official format. Its number (e.g. 东组通〔2026〕12号) is given
    at publication: `serial` counts per issuer code and year, without gaps or repeats."""

    state = FSMField(
        _("state"), max_length=20, choices=CircularState.choices, default=CircularState.DRAFT, protected=True
    )
    unit = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+")
    issuing_body = models.CharField(_("issuing body (发文机关)"), max_length=200)
    issuer_code = models.CharField(_("issuer code (发文字号代字), e.g. 东组通"), max_length=20)
    title = models.CharField(_("title (关于…的通报)"), max_length=200)
    addressees = models.CharField(_("addressees (主送)"), max_length=500)
    facts = models.TextField(_("facts (基本事实)"))
    decision = models.TextField(_("handling decision and basis (处理决定及依据)"))
    nature = models.TextField(_("nature and harm (性质和危害)"))
    requirements = models.TextField(_("requirements (引以为戒)"))
    cases = models.ManyToManyField(
        RectificationCase, verbose_name=_("cases named"), related_name="circulars", blank=True
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, editable=False)
    serial = models.PositiveIntegerField(_("serial"), null=True, blank=True, editable=False)
    issue_date = models.DateField(_("issue date"), null=True, blank=True, editable=False)
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    needs_withdrawal = models.BooleanField(_("flagged for withdrawal"), default=False, editable=False)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now, editable=False)

    objects: ClassVar[CircularManager[Circular]] = CircularManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("circular (通报)")
        verbose_name_plural = _("circulars (通报)")
        constraints = [
            models.UniqueConstraint(fields=["issuer_code", "year", "serial"], name="circular_number_unique"),
            # The second-person rule, kept by the database too.
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=models.F("drafter")),
                name="circular_approver_not_drafter",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk} {self.title}"

    @property
    def number(self) -> str:
        if self.serial is None:
            return ""
        return f"{self.issuer_code}〔{self.year}〕{self.serial}号"

    @transition(field=state, source=CircularState.DRAFT, target=CircularState.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=state, source=CircularState.SUBMITTED, target=CircularState.APPROVED)
    def approve(self, *, by: User, at: Any) -> None:
        self.approver = by
        self.approved_at = at

    @transition(field=state, source=CircularState.APPROVED, target=CircularState.PUBLISHED)
    def publish(self, *, year: int, serial: int, on: date, at: Any) -> None:
        self.year = year
        self.serial = serial
        self.issue_date = on
        self.published_at = at

    @transition(field=state, source=CircularState.PUBLISHED, target=CircularState.WITHDRAWN)
    def withdraw(self, *, reason: str, at: Any) -> None:
        self.withdrawal_reason = reason
        self.withdrawn_at = at


class CircularCounter(models.Model):
    """The last serial given per issuer code and year; its row is locked while a number is allocated."""

    issuer_code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("circular number counter")
        verbose_name_plural = _("circular number counters")
        constraints = [models.UniqueConstraint(fields=["issuer_code", "year"], name="circular_counter_unique")]

    def __str__(self) -> str:
        return f"{self.issuer_code} {self.year}: {self.last}"
