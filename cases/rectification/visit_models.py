"""Unannounced visits (暗访): a sealed plan, its observations and their attachments.

Written only by `visit_services.py`. A plan is sealed before the visit: only the assigned inspectors and the
organization department of the subtree ever see it, never the cadre nor the leader in charge.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.rectification.models import CaseState, RectificationCase
from project.org.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


# States in which a visit may be planned: while the cadre rectifies, and during verification.
VISIT_STATES: tuple[str, ...] = (CaseState.RECTIFYING, CaseState.VERIFYING, CaseState.ESCALATED)
# The states before the rectification period, in which a visit cannot be planned yet (after VISIT_STATES: no longer).
BEFORE_VISIT_STATES: tuple[str, ...] = (CaseState.NOMINATED, CaseState.CONFIRMED, CaseState.TALKING)


class VisitVerdict(models.TextChoices):
    IMPROVED = "improved", _("improved (有改进)")
    UNCHANGED = "unchanged", _("unchanged (无变化)")
    WORSE = "worse", _("worse (变差)")


class VisitPlanQuerySet(models.QuerySet["VisitPlan"]):
    def visible_to(self, user: User | AnonymousUser) -> VisitPlanQuerySet:
        """Plans the user may see: the assigned inspectors and org_admin of the case unit's subtree.

        Never the cadre concerned nor the case's leader in charge, whatever roles they hold; auditors see
        nothing of plans (the audit trail says only that one exists).
        """
        if not user.is_authenticated:
            return self.none()
        hidden = Q(case__cadre__user=user) | Q(case__leader=user)
        if user.is_superuser:
            return self.exclude(hidden)
        from project.org.permissions import subtree_filter

        scope = subtree_filter(user, {Role.ORG_ADMIN}, "case__unit__path")
        # A subquery, not a join on the team: a join would repeat a plan once per team member.
        on_team = Q(pk__in=VisitPlan.team.through.objects.filter(user=user).values("visitplan_id"))
        return self.filter(scope | on_team).exclude(hidden)


VisitPlanManager = models.Manager.from_queryset(VisitPlanQuerySet)


class VisitPlan(models.Model):
    """A sealed plan of an unannounced visit (暗访方案). The date is drawn at random inside the window,
    on a working day, when the plan is sealed; before that there is no date."""

    case = models.ForeignKey(RectificationCase, on_delete=models.PROTECT, related_name="visit_plans")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("visit team"), related_name="visit_plans")
    window_start = models.DateField(_("window from"))
    window_end = models.DateField(_("window until"))
    method = models.TextField(_("method (暗访方式)"))
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True, editable=False)
    visit_date = models.DateField(_("drawn visit date"), null=True, blank=True, editable=False)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True, editable=False)
    verdict = models.CharField(_("verdict"), max_length=20, choices=VisitVerdict.choices, blank=True, editable=False)
    verdict_note = models.TextField(_("verdict note"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("planned at"), default=timezone.now, editable=False)

    objects: ClassVar[VisitPlanManager[VisitPlan]] = VisitPlanManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unannounced visit plan (暗访方案)")
        verbose_name_plural = _("unannounced visit plans (暗访方案)")
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")), name="visit_window_order"),
        ]
        indexes = [models.Index(fields=["case", "verdict"], name="visit_case_verdict_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} · #{self.case_id}"

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def is_executed(self) -> bool:
        return self.executed_at is not None


class VisitObservation(models.Model):
    """A time-stamped observation of the visit ("10:35 在办公室观看网络视频")."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.PROTECT, related_name="observations")
    observed_at = models.DateTimeField(_("observed at"))
    text = models.TextField(_("observation"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["observed_at", "id"]
        verbose_name = _("visit observation")
        verbose_name_plural = _("visit observations")

    def __str__(self) -> str:
        return f"#{self.plan_id} · {self.observed_at:%H:%M}"


def visit_attachment_upload_to(attachment: VisitAttachment, filename: str) -> str:
    # A random name, never the uploaded one: names carry people's names and end up in logs.
    return f"visits/{attachment.observation.plan_id}/{uuid.uuid4().hex}"


class VisitAttachment(models.Model):
    """A photo or document of an observation; served only through the permission-checked download view."""

    observation = models.ForeignKey(VisitObservation, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=visit_attachment_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("visit attachment")
        verbose_name_plural = _("visit attachments")

    def __str__(self) -> str:
        return self.name
