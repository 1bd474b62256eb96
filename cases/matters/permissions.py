"""Who may do what with an accountability matter. The only place roles are known for matters.

Predicates answer for the person, not the state: services check the state first (→ 409), then ask here
(→ 403). `matter_actions` combines both for templates, so a page offers exactly the buttons that would
work. The cadre concerned never acts as staff on their own matter, whatever roles they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_fsm import can_proceed

from cases.matters.models import (
    AccountabilityMatter,
    ApplicantKind,
    CorrectionTask,
    MatterDecision,
    MatterReviewer,
    MatterState,
    RiskPreRegistration,
)
from project.org.models import Cadre, Role
from project.org.permissions import has_role, is_org_admin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document
    from project.org.models import User

    AnyUser = User | AnonymousUser

_ASSIGNMENTS = "_matter_assignments"


def assignments(matter: AccountabilityMatter) -> dict[int, bool]:
    """Assigned reviewers of the matter: user id → committee chair. Cached on the instance."""
    cached: dict[int, bool] | None = matter.__dict__.get(_ASSIGNMENTS)
    if cached is None:
        cached = dict(MatterReviewer.objects.filter(matter=matter).values_list("user_id", "committee_chair"))
        matter.__dict__[_ASSIGNMENTS] = cached
    return cached


def forget_assignments(matter: AccountabilityMatter) -> None:
    matter.__dict__.pop(_ASSIGNMENTS, None)


def is_own_matter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Whether the user is the cadre the matter concerns."""
    return user.is_authenticated and matter.cadre.user_id == user.pk


def is_assigned_reviewer(user: AnyUser, matter: AccountabilityMatter) -> bool:
    return user.is_authenticated and user.pk in assignments(matter) and not is_own_matter(user, matter)


def _is_org_admin(user: AnyUser, matter: AccountabilityMatter) -> bool:
    if not user.is_authenticated or is_own_matter(user, matter):
        return False
    return is_org_admin(user, matter.unit)


def _manages(user: AnyUser, matter: AccountabilityMatter) -> bool:
    return is_assigned_reviewer(user, matter) or _is_org_admin(user, matter)


def can_view_matter_file(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The file (checklist, notes, evidence, timeline): assigned reviewers, org_admins and auditors of
    the subtree — never the cadre concerned. Mirrors `AccountabilityMatter.objects.visible_to`."""
    if not user.is_authenticated or is_own_matter(user, matter):
        return False
    if user.is_superuser or is_assigned_reviewer(user, matter):
        return True
    return has_role(user, Role.ORG_ADMIN, matter.unit) or has_role(user, Role.AUDITOR, matter.unit)


def can_view_own_matter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The cadre's page: application, status, feedback. Only the cadre concerned."""
    return is_own_matter(user, matter)


def can_receive_matter(user: AnyUser, cadre: Cadre) -> bool:
    """Registering a matter (登记): the organization department over the cadre's unit."""
    return is_org_admin(user, cadre.unit)


def can_assign_reviewers(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The organization department of the subtree assigns reviewers and the committee chair."""
    return _is_org_admin(user, matter)


def can_be_assigned(user: User, matter: AccountabilityMatter, *, committee_chair: bool) -> bool:
    """Reviewers of the subtree may be assigned; the chair may also be from the organization department."""
    if is_own_matter(user, matter):
        return False
    if has_role(user, Role.REVIEWER, matter.unit):
        return True
    return committee_chair and has_role(user, Role.ORG_ADMIN, matter.unit)


def can_apply_matter(user: AnyUser, matter: AccountabilityMatter, kind: str) -> bool:
    """The cadre applies for themself; the unit's application or the body's proposal is recorded by
    the organization department."""
    if kind == ApplicantKind.CADRE:
        return is_own_matter(user, matter)
    return kind in ApplicantKind.values and _is_org_admin(user, matter)


def can_accept_matter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Acceptance or not (受理/不予受理): the organization department of the subtree."""
    return _is_org_admin(user, matter)


def can_investigate_matter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Starting the investigation (and so pinning the ruleset): assigned reviewers or the org_admin."""
    return _manages(user, matter)


def can_extend_investigation(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The one extension of the investigation is granted by the organization department."""
    return _is_org_admin(user, matter)


def can_answer_checklist(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Only assigned reviewers fill in the checklist and ask for the recommendation."""
    return is_assigned_reviewer(user, matter)


def can_propose_decision(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Any assigned reviewer (the committee chair included) may propose the outcome."""
    return is_assigned_reviewer(user, matter)


def can_confirm_decision(user: AnyUser, matter: AccountabilityMatter, decision: MatterDecision) -> bool:
    """A second assigned reviewer, or the committee chair, who is not the proposer: one person never
    decides alone."""
    return is_assigned_reviewer(user, matter) and decision.proposed_by_id != user.pk


def can_manage_corrections(user: AnyUser, matter: AccountabilityMatter) -> bool:
    return _manages(user, matter)


def can_verify_correction(user: AnyUser, task: CorrectionTask) -> bool:
    """Assigned reviewers or the org_admin, but never the task's own owner."""
    return _manages(user, task.matter) and task.owner_id != user.pk


def can_appeal_matter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The cadre appeals their decision (申诉); the organization department may record an appeal."""
    return is_own_matter(user, matter) or _is_org_admin(user, matter)


def can_record_outcome_steps(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """Feedback, filing, clearing the name and closing: assigned reviewers or the org_admin."""
    return _manages(user, matter)


def can_create_prereg(user: AnyUser, cadre: Cadre) -> bool:
    """容错报备: the cadre for themself, or the organization department over the cadre's unit."""
    if not user.is_authenticated:
        return False
    return cadre.user_id == user.pk or is_org_admin(user, cadre.unit)


def can_link_prereg(user: AnyUser, matter: AccountabilityMatter, prereg: RiskPreRegistration) -> bool:
    """Citing a pre-registration as evidence: whoever manages the matter, for the matter's own cadre."""
    return _manages(user, matter) and prereg.cadre_id == matter.cadre_id


def can_view_decision_letter(user: AnyUser, matter: AccountabilityMatter) -> bool:
    """The decision letter: the file's readers, and the cadre it is addressed to."""
    return can_view_matter_file(user, matter) or is_own_matter(user, matter)


def can_view_decision_document(user: AnyUser, document: Document) -> bool:
    """The `matter_decision` document kind's predicate (registered in `documents.py`)."""
    matter = AccountabilityMatter.objects.select_related("cadre", "unit").filter(pk=document.object_id).first()
    return matter is not None and can_view_decision_letter(user, matter)


def matter_actions(user: AnyUser, matter: AccountabilityMatter) -> dict[str, bool]:
    """What the user may do now on this matter's staff pages: state (the FSM) and person together."""
    state = matter.state
    manages = _manages(user, matter)
    org_admin = _is_org_admin(user, matter)
    return {
        "assign": org_admin and state not in (MatterState.CLOSED, MatterState.NOT_ACCEPTED),
        "apply": org_admin and can_proceed(matter.apply),
        "accept": org_admin and can_proceed(matter.accept),
        "reject": org_admin and can_proceed(matter.reject),
        "start_investigation": manages and can_proceed(matter.start_investigation),
        "extend": org_admin and state in (MatterState.ACCEPTED, MatterState.INVESTIGATING) and not matter.extended_at,
        "answer": can_answer_checklist(user, matter) and state == MatterState.INVESTIGATING,
        "recommend": can_answer_checklist(user, matter) and can_proceed(matter.recommend),
        "propose": can_propose_decision(user, matter) and state == MatterState.RECOMMENDED,
        "tasks": manages and state in (MatterState.INVESTIGATING, MatterState.RECOMMENDED, MatterState.DECIDED),
        "verify": manages and state == MatterState.DECIDED,
        "appeal": org_admin and can_proceed(matter.appeal),
        "feedback": manages and state in (MatterState.NOT_ACCEPTED, MatterState.DECIDED),
        "filing": manages and state == MatterState.DECIDED,
        "publicity": manages and state in (MatterState.DECIDED, MatterState.CLOSED),
        "close": manages and can_proceed(matter.close),
        "link_prereg": manages and state not in (MatterState.DECIDED, MatterState.CLOSED, MatterState.NOT_ACCEPTED),
    }
