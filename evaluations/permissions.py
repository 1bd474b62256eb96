"""Who may do what with evaluation rounds. Services, views and templates all ask here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_fsm import can_proceed, has_transition_perm

from evaluations.models import EvaluationRound, IdentifiedRating, Relation
from project.org.models import Role
from project.org.permissions import has_role, is_org_admin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import Cadre, Unit, User

# The round transitions a person can ask for, in the order the buttons show them.
ROUND_ACTIONS: tuple[str, ...] = ("open", "close", "publish")


def can_create_round(user: User | AnonymousUser, scope: Unit | None = None) -> bool:
    """An org_admin may create a round over a unit inside their subtree (scope None: anywhere)."""
    return is_org_admin(user, scope)


def can_manage_round(user: User | AnonymousUser, round: EvaluationRound) -> bool:
    """Only an org_admin whose subtree contains the round's scope opens, closes, publishes, reissues."""
    return is_org_admin(user, round.scope)


def can_declare_conflict(user: User | AnonymousUser, cadre_a: Cadre, cadre_b: Cadre) -> bool:
    """A conflict (relatives, …) between two cadres is declared by the organization department over both."""
    return is_org_admin(user, cadre_a.unit) and is_org_admin(user, cadre_b.unit)


def allowed_round_actions(user: User | AnonymousUser, round: EvaluationRound) -> list[str]:
    """The transitions the user may ask for now: the same two checks the services make."""
    actions = []
    for name in ROUND_ACTIONS:
        method = getattr(round, name)
        if can_proceed(method) and has_transition_perm(method, user):
            actions.append(name)
    return actions


def can_rate(user: User | AnonymousUser, rating: IdentifiedRating) -> bool:
    """A self-evaluation belongs to the cadre's own account; a leader rating to the leader it names."""
    if not user.is_authenticated:
        return False
    if rating.relation == Relation.SELF:
        return rating.subject.user_id == user.pk
    return rating.rater_id == user.pk


def can_identify_round(user: User | AnonymousUser, round: EvaluationRound) -> bool:
    """Identifying the candidates of a closed round is the organization department's (org_admin over the
    round's scope), like its other transitions."""
    return can_manage_round(user, round)


def can_view_results(user: User | AnonymousUser, round: EvaluationRound) -> bool:
    """A round's frozen results (overview, candidates, result cards, export, PDF): org_admin or auditor over
    the round's scope — the people EvaluationRound.objects.visible_to lets see the round. Never the cadres."""
    if not user.is_authenticated:
        return False
    return bool(
        user.is_superuser or has_role(user, Role.ORG_ADMIN, round.scope) or has_role(user, Role.AUDITOR, round.scope)
    )


def can_view_rating_comments(user: User | AnonymousUser, round: EvaluationRound) -> bool:
    """Free-text comments (peer, leader, self) go to the organization department only: org_admin over the
    round's scope. Auditors see the figures, not the words; the rated cadre never sees either."""
    return can_manage_round(user, round)
