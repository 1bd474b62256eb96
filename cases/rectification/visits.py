"""Every read of unannounced visits (暗访) for pages, starting from `VisitPlan.objects.visible_to(user)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from cases.rectification import permissions
from cases.rectification.models import RectificationCase
from cases.rectification.visit_models import VisitAttachment, VisitObservation, VisitPlan
from project.org.models import Role, User
from project.org.permissions import with_grants
from project.org.selectors import role_holders

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


def visit_get_visible(*, user: AnyUser, pk: int) -> VisitPlan | None:
    """The plan if the user may see it (its team, the organization department), else None (→ 404)."""
    return (
        VisitPlan.objects.visible_to(user)
        .select_related("case__cadre", "case__unit", "created_by")
        .prefetch_related(
            "team",
            Prefetch(
                "observations",
                queryset=VisitObservation.objects.select_related("recorded_by")
                .prefetch_related("attachments")
                .order_by("observed_at", "pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def case_visits(*, user: AnyUser, case: RectificationCase) -> QuerySet[VisitPlan]:
    """The case's plans the user may see, newest first, with their teams."""
    return (
        VisitPlan.objects.visible_to(user)
        .filter(case=case)
        .prefetch_related("team")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def my_visits(*, user: AnyUser) -> QuerySet[VisitPlan]:
    """The sealed plans the user is on the team of, the ones still to do first, by drawn date."""
    if not user.is_authenticated:
        return VisitPlan.objects.none()
    return (
        VisitPlan.objects.visible_to(user)
        .filter(team=user, sealed_at__isnull=False)
        .select_related("case__cadre", "case__unit")
        .order_by("executed_at", "visit_date", "pk")
    )


def attachment_get_visible(*, user: AnyUser, pk: int) -> VisitAttachment | None:
    """The attachment if the user may see its plan, else None (→ 404)."""
    visible = VisitPlan.objects.visible_to(user).values("pk")
    return (
        VisitAttachment.objects.filter(pk=pk, observation__plan__in=visible).select_related("observation__plan").first()
    )


def team_candidates(case: RectificationCase) -> list[User]:
    """Users who may join a visit of this case: inspectors over its unit, never the cadre or the leader."""
    users = role_holders(Role.INSPECTOR, case.unit).order_by("display_name", "username")
    return [user for user in with_grants(users) if permissions.can_join_visit_team(user, case)]
