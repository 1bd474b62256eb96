"""Who sees a case: every persona, through `visible_to`, `own_for` and the predicates that mirror them."""

from __future__ import annotations

import pytest

from cases.rectification import permissions
from cases.rectification.models import RectificationCase
from project.org.models import Role
from project.org.services import role_grant
from tests.cases.rectification.states import nominated, talking
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def sees(user: object, case: RectificationCase) -> bool:
    in_queryset = RectificationCase.objects.visible_to(user).filter(pk=case.pk).exists()  # type: ignore[arg-type]
    assert in_queryset == permissions.can_view_case(user, case), "queryset and predicate disagree"  # type: ignore[arg-type]
    return in_queryset


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", True),  # org_admin of district A
        ("audrey", True),  # auditor of district A
        ("leo", True),  # the assigned leader in charge
        ("ivy", False),  # inspectors get nothing here (visits come later)
        ("rita", False),  # a reviewer
        ("carl", False),  # the cadre: only the summary page, never the staff pages
        ("oscar", False),  # org_admin of district B
    ],
)
def test_who_sees_the_staff_pages_of_a_case(personas: Personas, who: str, expected: bool) -> None:
    assert sees(getattr(personas, who), talking(personas)) is expected


def test_anonymous_visitors_see_nothing(personas: Personas) -> None:
    from django.contrib.auth.models import AnonymousUser

    case = talking(personas)
    assert not sees(AnonymousUser(), case)
    assert not RectificationCase.objects.own_for(AnonymousUser()).exists()


def test_a_leader_sees_only_the_cases_assigned_to_them(personas: Personas) -> None:
    assert not sees(personas.leo, nominated(personas))


def test_the_cadre_sees_their_own_case_summary_once_confirmed(personas: Personas) -> None:
    case = nominated(personas)
    assert not permissions.can_view_own_case(personas.carl, case)
    assert not RectificationCase.objects.own_for(personas.carl).exists()
    case = talking(personas)
    assert permissions.can_view_own_case(personas.carl, case)
    assert list(RectificationCase.objects.own_for(personas.carl)) == [case]
    assert not RectificationCase.objects.own_for(personas.leo).exists()


def test_a_cadre_with_a_staff_role_still_never_sees_their_own_staff_pages(personas: Personas) -> None:
    role_grant(actor=None, user=personas.carl, role=Role.AUDITOR, unit=personas.carl_cadre.unit)
    assert not sees(personas.carl, talking(personas))


def test_an_outsider_org_admin_sees_the_cases_of_their_own_district(personas: Personas) -> None:
    theirs = nominated(personas, cadre=personas.bella_cadre)
    assert sees(personas.oscar, theirs)
    assert not sees(personas.alice, theirs)


def test_peer_comments_in_the_evidence_are_for_the_organization_department_only(personas: Personas) -> None:
    case = talking(personas)
    assert permissions.can_view_peer_comments(personas.alice, case)
    for person in (personas.audrey, personas.leo, personas.carl):
        assert not permissions.can_view_peer_comments(person, case)
