"""Every read of matters for pages, starting from `visible_to(user)` (staff) or `own_for(user)` (the cadre)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.fault_tolerance import Criterion, Group, Ruleset
from cases.matters.models import (
    AccountabilityMatter,
    AccountabilityMatterQuerySet,
    ChecklistAnswer,
    MatterDecision,
    MatterFeedback,
    RiskPreRegistration,
    RiskPreRegistrationQuerySet,
    overdue_q,
)
from project.audit.models import AuditEvent
from project.org.models import Cadre, CadreMark, MarkKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from project.documents.models import Document
    from project.org.models import User

    AnyUser = User | AnonymousUser


def matter_list(*, user: AnyUser, today: date, state: str = "", overdue: bool = False) -> AccountabilityMatterQuerySet:
    """The matters whose file the user may read, newest first, optionally by state and overdue only."""
    matters = AccountabilityMatter.objects.visible_to(user).select_related("cadre", "unit")
    if state:
        matters = matters.filter(state=state)
    if overdue:
        matters = matters.filter(overdue_q(today))
    return matters.order_by("-received_on", "-pk")


def matter_get_visible(*, user: AnyUser, pk: int) -> AccountabilityMatter | None:
    """The matter if the user may read its file, else None (the view answers 404)."""
    return AccountabilityMatter.objects.visible_to(user).select_related("cadre", "unit").filter(pk=pk).first()


def matter_get_own(*, user: AnyUser, pk: int) -> AccountabilityMatter | None:
    """The matter if it concerns the cadre linked to the user, else None."""
    return AccountabilityMatter.objects.own_for(user).select_related("cadre", "unit").filter(pk=pk).first()


def own_matters(*, user: AnyUser) -> AccountabilityMatterQuerySet:
    return AccountabilityMatter.objects.own_for(user).select_related("unit").order_by("-received_on", "-pk")


def matter_timeline(matter: AccountabilityMatter) -> QuerySet[AuditEvent]:
    """The matter's history from the audit trail (reads are left out: they are not steps)."""
    return AuditEvent.objects.for_object(matter).exclude(action="read").order_by("id")


def matter_feedback(matter: AccountabilityMatter) -> QuerySet[MatterFeedback]:
    return MatterFeedback.objects.filter(matter=matter).order_by("created_at", "pk")


def matter_decisions(matter: AccountabilityMatter) -> QuerySet[MatterDecision]:
    return MatterDecision.objects.filter(matter=matter).select_related("proposed_by", "confirmed_by", "declined_by")


def decision_letters(matter: AccountabilityMatter) -> list[Document]:
    """The decision letters requested for this matter, newest first."""
    from cases.matters.documents import KIND
    from project.documents.models import Document

    return list(
        Document.objects.filter(kind=KIND, object_type=matter._meta.label_lower, object_id=str(matter.pk)).order_by(
            "-created_at", "-pk"
        )
    )


def answers_by_criterion(matter: AccountabilityMatter) -> dict[str, ChecklistAnswer]:
    return {
        row.criterion_id: row for row in ChecklistAnswer.objects.filter(matter=matter).select_related("answered_by")
    }


def no_negative_evaluation_effects(cadre: Cadre, today: date) -> QuerySet[CadreMark]:
    """The cadre's "no negative evaluation" marks in force today (容错免责的效力)."""
    return CadreMark.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        cadre=cadre,
        kind=MarkKind.NO_NEGATIVE_EVALUATION,
        valid_from__lte=today,
    ).order_by("-valid_from")


def prereg_list(*, user: AnyUser) -> RiskPreRegistrationQuerySet:
    return RiskPreRegistration.objects.visible_to(user).select_related("cadre", "unit", "registered_by")


@dataclass(frozen=True)
class ChecklistSection:
    key: str
    title: StrOrPromise
    criteria: tuple[Criterion, ...]


SECTION_TITLES: tuple[tuple[Group, StrOrPromise], ...] = (
    (Group.SCOPE, _("Scope (适用范围)")),
    (Group.GATE, _("Gates: not tolerated when any holds (不予容错情形)")),
    (Group.CORE, _("Core conditions (三个原则：出于公心、符合程序、不谋私利)")),
    (Group.GROUND, _("Grounds for tolerance (容错情形)")),
    (Group.FACTOR, _("Weighed factors (综合考量)")),
    (Group.CONTEXT, _("Context, recorded (客观条件与纠错态度)")),
    (Group.AGGRAVATING, _("Aggravating circumstances (从重情节)")),
)


def checklist_sections(ruleset: Ruleset) -> list[ChecklistSection]:
    """The ruleset's criteria grouped as in the spec; each exception follows the gate it applies to."""
    sections = []
    for group, title in SECTION_TITLES:
        criteria: list[Criterion] = []
        for criterion in ruleset.in_group(group):
            criteria.append(criterion)
            if group is Group.GATE:
                criteria.extend(ruleset.exceptions_to(criterion.id))
        sections.append(ChecklistSection(key=group.value, title=title, criteria=tuple(criteria)))
    return sections
