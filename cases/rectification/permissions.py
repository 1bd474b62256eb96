"""Who may do what with a rectification case. The only place roles are known for cases.

Predicates answer for the person, not the state: services check the state first (→ 409), then ask here
(→ 403). `case_actions` combines both for templates, so a page offers exactly the buttons that would
work. The cadre concerned never acts as staff on their own case, whatever roles they hold.

The leader in charge (分管领导) of a case must hold the leader role over the case's unit, must not be the
cadre, and must not be the cadre's subordinate. "Subordinate" is kept simple and checkable from the
roster: a user whose own cadre record sits in a unit strictly below the case's unit (the cadre's unit at
the time). A colleague in the same unit, or anyone above, may lead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django_fsm import can_proceed

from cases.rectification.circular_models import Circular
from cases.rectification.models import (
    LEADER_STATES,
    PLAN_STATES,
    SUPPORT_STATES,
    TALK_STATES,
    CaseState,
    Commitment,
    RectificationCase,
    Talk,
)
from cases.rectification.visit_models import VisitPlan
from project.org.models import Cadre, Role, Unit, User
from project.org.permissions import has_role, is_org_admin
from project.org.selectors import role_holders

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document

    AnyUser = User | AnonymousUser


def is_own_case(user: AnyUser, case: RectificationCase) -> bool:
    """Whether the user is the cadre the case concerns."""
    return user.is_authenticated and case.cadre.user_id == user.pk


def is_assigned_leader(user: AnyUser, case: RectificationCase) -> bool:
    """Whether the user is the case's leader in charge (and not, somehow, its cadre)."""
    return user.is_authenticated and case.leader_id == user.pk and not is_own_case(user, case)


def _is_org_admin(user: AnyUser, case: RectificationCase) -> bool:
    if not user.is_authenticated or is_own_case(user, case):
        return False
    return is_org_admin(user, case.unit)


def _manages(user: AnyUser, case: RectificationCase) -> bool:
    return is_assigned_leader(user, case) or _is_org_admin(user, case)


def can_view_case(user: AnyUser, case: RectificationCase) -> bool:
    """The staff pages: org_admin and auditor of the subtree, the assigned leader; never the cadre.

    Mirrors `RectificationCase.objects.visible_to`.
    """
    if not user.is_authenticated or is_own_case(user, case):
        return False
    if user.is_superuser or is_assigned_leader(user, case):
        return True
    return has_role(user, Role.ORG_ADMIN, case.unit) or has_role(user, Role.AUDITOR, case.unit)


def can_view_own_case(user: AnyUser, case: RectificationCase) -> bool:
    """The cadre's summary page (state, talks to acknowledge, commitments): the cadre concerned only,
    once the organization department has confirmed the case."""
    return is_own_case(user, case) and case.state not in (CaseState.NOMINATED, CaseState.DISMISSED)


def can_view_peer_comments(user: AnyUser, case: RectificationCase) -> bool:
    """Free-text peer comments in the evidence go to the organization department only."""
    return _is_org_admin(user, case)


def can_nominate_case(user: AnyUser | None, cadre: Cadre) -> bool:
    """Nomination from a round: the system (no user), or the organization department over the cadre."""
    if user is None:
        return True
    return can_open_case(user, cadre)


def can_open_case(user: AnyUser, cadre: Cadre) -> bool:
    """Opening a case by hand, outside any round: the organization department over the cadre's unit."""
    if not user.is_authenticated or cadre.user_id == user.pk:
        return False
    return is_org_admin(user, cadre.unit)


def can_confirm_case(user: AnyUser, case: RectificationCase) -> bool:
    """Organizational determination (组织评定): the organization department of the subtree."""
    return _is_org_admin(user, case)


def can_dismiss_case(user: AnyUser, case: RectificationCase) -> bool:
    return _is_org_admin(user, case)


def can_assign_leader_case(user: AnyUser, case: RectificationCase) -> bool:
    return _is_org_admin(user, case)


def can_reassign_leader_case(user: AnyUser, case: RectificationCase) -> bool:
    """Handing the case over to another leader in charge: the organization department of the subtree."""
    return _is_org_admin(user, case)


def can_lead_case(candidate: User, case: RectificationCase) -> bool:
    """Whether `candidate` may be the case's leader in charge (see the module docstring)."""
    if not candidate.is_active or candidate.pk == case.cadre.user_id:
        return False
    if not has_role(candidate, Role.LEADER, case.unit):
        return False
    own = _own_cadre(candidate)
    if own is None:
        return True
    if own.pk == case.cadre_id:
        return False
    return not (own.unit.path.startswith(case.unit.path) and own.unit.path != case.unit.path)


def _own_cadre(user: User) -> Cadre | None:
    """The user's own cadre record, if any (no query when the caller loaded it: select_related("cadre__unit"))."""
    try:
        return user.cadre
    except Cadre.DoesNotExist:
        return None


def can_record_talk_case(user: AnyUser, case: RectificationCase) -> bool:
    """Talks are held and recorded by the assigned leader in charge."""
    return is_assigned_leader(user, case)


def can_edit_talk(user: AnyUser, talk: Talk) -> bool:
    """Until it is signed, the talk's own talker may correct it."""
    return user.is_authenticated and talk.talker_id == user.pk and is_assigned_leader(user, talk.case)


def can_sign_talk(user: AnyUser, talk: Talk) -> bool:
    """Only the talker signs the record."""
    return user.is_authenticated and talk.talker_id == user.pk and not is_own_case(user, talk.case)


def can_acknowledge_talk(user: AnyUser, talk: Talk) -> bool:
    """The cadre who was talked to acknowledges the record or records their dissent."""
    return is_own_case(user, talk.case)


def can_view_talk(user: AnyUser, talk: Talk) -> bool:
    """Staff who may read the case; the cadre once the record is signed."""
    return can_view_case(user, talk.case) or (is_own_case(user, talk.case) and talk.is_signed)


def can_view_talk_document(user: AnyUser, document: Document) -> bool:
    """The `talk_record` document kind's predicate (registered in `documents.py`)."""
    talk = Talk.objects.select_related("case__cadre", "case__unit").filter(pk=document.object_id).first()
    return talk is not None and can_view_talk(user, talk)


def can_plan_case(user: AnyUser, case: RectificationCase) -> bool:
    """The rectification plan: the leader in charge or the organization department."""
    return _manages(user, case)


def can_add_care_case(user: AnyUser, case: RectificationCase) -> bool:
    """Care and incentive measures: the leader in charge or the organization department."""
    return _manages(user, case)


def can_add_commitment_case(user: AnyUser, case: RectificationCase) -> bool:
    return _manages(user, case)


def can_mark_commitment_done(user: AnyUser, commitment: Commitment) -> bool:
    """The leader in charge or the organization department checks a commitment off, never the cadre."""
    return _manages(user, commitment.case)


def can_start_rectifying_case(user: AnyUser, case: RectificationCase) -> bool:
    return _manages(user, case)


def can_move_to_verifying_case(user: AnyUser, case: RectificationCase) -> bool:
    """Ending the period early: the organization department (the scheduled job ends it on time)."""
    return _is_org_admin(user, case)


def can_close_case(user: AnyUser, case: RectificationCase) -> bool:
    """销号, escalation, a new period and closing after handling: the organization department."""
    return _is_org_admin(user, case)


def can_escalate_case(user: AnyUser, case: RectificationCase) -> bool:
    return _is_org_admin(user, case)


def can_withdraw_case(user: AnyUser, case: RectificationCase) -> bool:
    return _is_org_admin(user, case)


def case_actions(user: AnyUser, case: RectificationCase) -> dict[str, bool]:
    """What the user may do now on this case's staff pages: state (the FSM) and person together.

    The guarded transitions ask their guards through `can_proceed`, so a button appears only when the
    step would succeed (one or two small queries).
    """
    state = case.state
    org_admin = _is_org_admin(user, case)
    manages = org_admin or is_assigned_leader(user, case)
    return {
        "confirm": org_admin and can_proceed(case.confirm),
        "dismiss": org_admin and can_proceed(case.dismiss),
        "assign_leader": org_admin and can_proceed(case.assign_leader),
        "reassign_leader": org_admin and state in LEADER_STATES and case.leader_id is not None,
        "dossier": can_request_dossier_case(user, case),
        "record_talk": can_record_talk_case(user, case) and state in TALK_STATES,
        "plan": manages and state in PLAN_STATES,
        "care": manages and state in SUPPORT_STATES,
        "commitment": manages and state in SUPPORT_STATES,
        "start_rectifying": manages and can_proceed(case.start_rectifying),
        "move_to_verifying": org_admin and can_proceed(case.move_to_verifying),
        "close_rectified": org_admin and state == CaseState.VERIFYING and can_proceed(case.close_rectified),
        "escalate": org_admin and state == CaseState.VERIFYING and can_proceed(case.escalate),
        "restart": org_admin and can_proceed(case.restart_rectifying),
        "close_handled": org_admin and can_proceed(case.close_handled),
        "withdraw": org_admin and can_proceed(case.withdraw),
        "visits": can_plan_visit_case(user, case),
        "circular": state == CaseState.ESCALATED
        and can_draft_circular(user, case.unit)
        and not is_own_case(user, case),
    }


def can_view_dashboard(user: AnyUser) -> bool:
    """The cases dashboard (figures only, read-only): the organization department and auditors."""
    if not user.is_authenticated:
        return False
    return is_org_admin(user) or has_role(user, Role.AUDITOR)


def can_see_visit_figures(user: AnyUser) -> bool:
    """Counts of visit plans on the dashboard: those who may see plans at all (the organization
    department; `VisitPlan.objects.visible_to` narrows the count to their own subtree)."""
    return is_org_admin(user)


def can_request_dossier_case(user: AnyUser, case: RectificationCase) -> bool:
    """The case dossier PDF: whoever may read the case's staff pages; it shows them what they may see."""
    return can_view_case(user, case)


def can_view_dossier_document(user: AnyUser, document: Document) -> bool:
    """The `case_dossier` kind's predicate: the person who asked for it, while they may still read the
    case. A dossier holds what its requester may see (an org_admin's has the sealed visit plans), so it
    is never shown to anybody else."""
    if not user.is_authenticated or document.requested_by_id != user.pk:
        return False
    case = RectificationCase.objects.select_related("cadre", "unit").filter(pk=document.object_id).first()
    return case is not None and can_view_case(user, case)


# --- unannounced visits (暗访): the plan is sealed from the cadre and from the leader in charge ------------


def _visit_staff_excluded(user: AnyUser, case: RectificationCase) -> bool:
    return not user.is_authenticated or is_own_case(user, case) or case.leader_id == user.pk


def can_plan_visit_case(user: AnyUser, case: RectificationCase) -> bool:
    """Planning and sealing visits, and the case's list of plans: the organization department of the
    subtree, unless it is the cadre or the leader in charge."""
    return not _visit_staff_excluded(user, case) and _is_org_admin(user, case)


def can_join_visit_team(candidate: User, case: RectificationCase) -> bool:
    """A visit team member holds the inspector role over the case's unit; never the cadre nor the leader."""
    if not candidate.is_active or _visit_staff_excluded(candidate, case):
        return False
    return has_role(candidate, Role.INSPECTOR, case.unit)


def is_visit_team_member(user: AnyUser, plan: VisitPlan) -> bool:
    """Whether the user is on the plan's team (and neither the cadre nor the leader in charge)."""
    if _visit_staff_excluded(user, plan.case):
        return False
    return plan.team.filter(pk=cast("User", user).pk).exists()


def can_view_visit(user: AnyUser, plan: VisitPlan) -> bool:
    """The plan, its observations and attachments. Mirrors `VisitPlan.objects.visible_to`."""
    return can_plan_visit_case(user, plan.case) or is_visit_team_member(user, plan)


def can_seal_visit(user: AnyUser, plan: VisitPlan) -> bool:
    return can_plan_visit_case(user, plan.case)


def can_observe_visit(user: AnyUser, plan: VisitPlan) -> bool:
    """Observations and the verdict are recorded by the visit team."""
    return is_visit_team_member(user, plan)


def can_execute_visit(user: AnyUser, plan: VisitPlan) -> bool:
    return is_visit_team_member(user, plan)


def visit_actions(user: AnyUser, plan: VisitPlan) -> dict[str, bool]:
    """What the user may do now on the plan's page: state and person together."""
    member = is_visit_team_member(user, plan)
    open_for_visit = plan.is_sealed and not plan.is_executed
    return {
        "seal": not plan.is_sealed and can_seal_visit(user, plan),
        "observe": open_for_visit and member,
        "execute": open_for_visit and member,
    }


# --- circulars (通报) ----------------------------------------------------------------------------------------


def can_draft_circular(user: AnyUser, unit: Unit) -> bool:
    """Drafting a circular issued by `unit`: the organization department over it."""
    return is_org_admin(user, unit)


def can_view_circular(user: AnyUser, circular: Circular) -> bool:
    """Mirrors `Circular.objects.visible_to`: org_admin and auditor over the issuing unit."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return has_role(user, Role.ORG_ADMIN, circular.unit) or has_role(user, Role.AUDITOR, circular.unit)


def can_submit_circular(user: AnyUser, circular: Circular) -> bool:
    return can_draft_circular(user, circular.unit)


def can_approve_circular(user: AnyUser, circular: Circular) -> bool:
    """The second-person rule: the organization department, never the person who drafted it."""
    return can_draft_circular(user, circular.unit) and circular.drafter_id != user.pk


def has_second_approver(circular: Circular) -> bool:
    """Whether anybody but its drafter may approve the circular (`can_approve_circular`): an active member of
    the organization department over the issuing unit, or a superuser. One query."""
    approvers = role_holders(Role.ORG_ADMIN, circular.unit) | User.objects.filter(is_superuser=True, is_active=True)
    return approvers.exclude(pk=circular.drafter_id).exists()


def can_publish_circular(user: AnyUser, circular: Circular) -> bool:
    return can_draft_circular(user, circular.unit)


def can_withdraw_circular(user: AnyUser, circular: Circular) -> bool:
    return can_draft_circular(user, circular.unit)


def can_view_circular_document(user: AnyUser, document: Document) -> bool:
    """The `circular` document kind's predicate."""
    circular = Circular.objects.select_related("unit").filter(pk=document.object_id).first()
    return circular is not None and can_view_circular(user, circular)


def circular_actions(user: AnyUser, circular: Circular) -> dict[str, bool]:
    """What the user may do now with the circular: state (the FSM) and person together."""
    return {
        "submit": can_proceed(circular.submit) and can_submit_circular(user, circular),
        "approve": can_proceed(circular.approve) and can_approve_circular(user, circular),
        "publish": can_proceed(circular.publish) and can_publish_circular(user, circular),
        "withdraw": can_proceed(circular.withdraw) and can_withdraw_circular(user, circular),
    }
