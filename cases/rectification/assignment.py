"""Reassigning a case's leader in charge (分管领导) once talks have begun.

Visibility follows the `leader` column (`RectificationCase.objects.visible_to` and the predicates read it;
no object-permission rows are involved), so changing it is enough: the old leader loses the case's pages
on commit and the new one gains them. The old leader's unsigned drafts stay as they are (only their
talker may sign them); the new leader records talks of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.rectification import permissions, selectors
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import LEADER_STATES, Notification, RectificationCase
from cases.rectification.services import audit, lock_case, save_case, wrong_state_message
from cases.rectification.visit_models import VisitPlan
from project.org.models import User
from project.service_checks import acting_person, allow, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

# The longest handover reason (kept in the audit trail, which has no column of its own to bound it).
REASON_MAX = 500


def _on_visit_team(candidate: User, case: RectificationCase) -> bool:
    # A member of one of the case's visit teams has read a sealed plan: they may never lead the case.
    return VisitPlan.objects.filter(case=case, team=candidate).exists()


def reassign_candidates(case: RectificationCase) -> list[User]:
    """Who may take the case over: eligible leaders (`selectors.leader_candidates`) but the current one
    and anyone on one of the case's visit teams."""
    on_teams = set(VisitPlan.team.through.objects.filter(visitplan__case=case).values_list("user_id", flat=True))
    return [user for user in selectors.leader_candidates(case) if user.pk != case.leader_id and user.pk not in on_teams]


def case_reassign_leader(*, actor: AnyUser, case: RectificationCase, leader: User, reason: str) -> RectificationCase:
    """Hand the case over to another leader in charge, with a reason; both leaders are notified.

    Requires: the case has a leader and is open (talks, rectifying, verifying or escalated; never closed,
    withdrawn or dismissed); org_admin of the case's subtree; the new leader may lead the case
    (`permissions.can_lead_case`), is not the current one and is on none of the case's visit teams.
    `leader_assigned_at` restarts, so the talk-due reminder counts from the handover.
    Raises InvalidTransition (state), PermissionDenied, ValidationError (reason, leader).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        previous = locked.leader
        if locked.state not in LEADER_STATES or previous is None:
            raise InvalidTransition(wrong_state_message(locked))
        allow(permissions.can_reassign_leader_case(person, locked))
        cleaned = required_text(reason, "reason", _("Give the reason for the handover."), limit=REASON_MAX)
        if leader.pk == locked.leader_id:
            raise ValidationError({"leader": _("This person already leads the case.")})
        if not permissions.can_lead_case(leader, locked) or _on_visit_team(leader, locked):
            raise ValidationError(
                {
                    "leader": _(
                        "This person cannot lead this case: a leader over the cadre's unit is needed, who is "
                        "neither the cadre, nor their subordinate, nor on one of the case's visit teams."
                    )
                }
            )
        locked.leader = leader
        locked.leader_assigned_at = timezone.now()
        save_case(locked)
        audit(
            person, "case.reassign_leader", locked,
            f"handed case #{locked.pk} over from {previous.username} to {leader.username}",
            previous=previous.username, leader=leader.username, reason=cleaned,
        )  # fmt: skip
        _notify(locked, new=leader, previous=previous)
    return locked


def _notify(case: RectificationCase, *, new: User, previous: User) -> None:
    # Only the case number and its page: a notification never says anything about the cadre's conduct.
    url = reverse("cases:rectification:detail", kwargs={"pk": case.pk})
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=new,
                text=f"您已被指定为整治案件 #{case.pk} 的分管领导 / You now lead case #{case.pk}",
                url=url,
            ),
            Notification(
                recipient=previous,
                text=f"整治案件 #{case.pk} 已交由他人分管 / Case #{case.pk} was handed over to another leader",
            ),
        ]
    )
