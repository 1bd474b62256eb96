"""Handing a case over to another leader in charge: the service (state, person, eligibility, audit,
notifications, who then sees the case) and its page (the usual five, htmx fragment, the case page's button)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.rectification import period_services, visit_services
from cases.rectification.assignment import case_reassign_leader, reassign_candidates
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import Notification, RectificationCase
from cases.rectification.selectors import leader_cases
from project.audit.models import AuditEvent
from project.org.models import Role, User
from project.org.services import role_grant
from tests.cases.rectification.states import (
    closed_rectified,
    confirmed,
    more_staff,
    nominated,
    rectifying,
    signed,
    talking,
    verifying,
)
from tests.cases.rectification.visit_states import window
from tests.conftest import Org, Personas, make_user

pytestmark = pytest.mark.django_db

REASON = "原分管领导调整分工，改由林娜同志分管。"


@pytest.fixture
def lena(org: Org, personas: Personas) -> User:
    """A second leader over the bureau: the one the case is handed to."""
    user = make_user("lena", "林娜")
    role_grant(actor=None, user=user, role=Role.LEADER, unit=org.bureau)
    return user


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def reassign_url(case: RectificationCase) -> str:
    return reverse("cases:rectification:reassign", kwargs={"pk": case.pk})


def detail_url(case: RectificationCase) -> str:
    return reverse("cases:rectification:detail", kwargs={"pk": case.pk})


def test_the_handover_page_costs_the_same_queries_for_one_candidate_or_five(
    org: Org, personas: Personas, lena: User, django_assert_num_queries: Any
) -> None:
    case = talking(personas)
    client = login(Client(), personas.alice)
    client.get(reassign_url(case))  # warm
    with CaptureQueriesContext(connection) as one:
        client.get(reassign_url(case))
    more_staff(Role.LEADER, org.bureau, 4)
    assert len(reassign_candidates(case)) == 5
    with django_assert_num_queries(len(one)):
        client.get(reassign_url(case))


# --- the service ----------------------------------------------------------------------------------------


def test_the_organization_department_hands_the_case_over_with_a_reason(personas: Personas, lena: User) -> None:
    case = talking(personas)
    assigned_before = case.leader_assigned_at
    case = case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason=REASON)
    case.refresh_from_db()
    assert case.leader == lena
    assert case.state == "talking"  # a handover is not a step of the workflow
    assert assigned_before is not None
    assert case.leader_assigned_at is not None
    assert case.leader_assigned_at > assigned_before  # the talk-due reminder counts from the handover
    event = AuditEvent.objects.for_object(case).get(action="case.reassign_leader")
    assert event.actor == personas.alice
    assert event.data == {"previous": "leo", "leader": "lena", "reason": REASON}


def test_the_new_leader_is_notified_with_a_link_and_the_old_one_is_told(personas: Personas, lena: User) -> None:
    case = case_reassign_leader(actor=personas.alice, case=talking(personas), leader=lena, reason=REASON)
    new = Notification.objects.get(recipient=lena)
    assert f"#{case.pk}" in new.text
    assert new.url == detail_url(case)
    old = Notification.objects.get(recipient=personas.leo)
    assert f"#{case.pk}" in old.text
    assert old.url == ""  # the old leader can no longer open the case
    assert "陈刚" not in new.text + old.text  # nothing about the cadre


def test_the_old_leader_loses_the_case_and_the_new_one_gains_it(personas: Personas, lena: User) -> None:
    case = talking(personas)
    assert RectificationCase.objects.visible_to(personas.leo).filter(pk=case.pk).exists()
    assert not RectificationCase.objects.visible_to(lena).filter(pk=case.pk).exists()
    case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason=REASON)
    assert not RectificationCase.objects.visible_to(personas.leo).filter(pk=case.pk).exists()
    assert RectificationCase.objects.visible_to(lena).filter(pk=case.pk).exists()
    assert list(leader_cases(user=personas.leo)) == []
    assert [c.pk for c in leader_cases(user=lena)] == [case.pk]


def test_the_old_leader_gets_404_on_the_case_page_afterwards(client: Client, personas: Personas, lena: User) -> None:
    case = talking(personas)
    assert login(client, personas.leo).get(detail_url(case)).status_code == 200
    case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason=REASON)
    assert client.get(detail_url(case)).status_code == 404
    assert login(client, lena).get(detail_url(case)).status_code == 200


@pytest.mark.parametrize("build", [talking, rectifying, verifying])
def test_open_cases_with_a_leader_can_be_handed_over(personas: Personas, lena: User, build: Any) -> None:
    case = case_reassign_leader(actor=personas.alice, case=build(personas), leader=lena, reason=REASON)
    assert case.leader == lena


@pytest.mark.parametrize("build", [nominated, confirmed])
def test_a_case_without_a_leader_yet_cannot_be_handed_over(personas: Personas, lena: User, build: Any) -> None:
    with pytest.raises(InvalidTransition):
        case_reassign_leader(actor=personas.alice, case=build(personas), leader=lena, reason=REASON)


def test_a_closed_case_cannot_be_handed_over(personas: Personas, lena: User, monkeypatch: pytest.MonkeyPatch) -> None:
    case = closed_rectified(personas, monkeypatch)
    with pytest.raises(InvalidTransition):
        case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason=REASON)
    case.refresh_from_db()
    assert case.leader == personas.leo


def test_a_withdrawn_case_cannot_be_handed_over(personas: Personas, lena: User) -> None:

    case = period_services.case_withdraw(actor=personas.alice, case=talking(personas), reason="retired")
    with pytest.raises(InvalidTransition):
        case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason=REASON)


@pytest.mark.parametrize("who", ["leo", "audrey", "oscar", "ivy"])
def test_only_the_organization_department_of_the_subtree_hands_over(personas: Personas, lena: User, who: str) -> None:
    case = talking(personas)
    with pytest.raises(PermissionDenied):
        case_reassign_leader(actor=getattr(personas, who), case=case, leader=lena, reason=REASON)
    case.refresh_from_db()
    assert case.leader == personas.leo
    assert not Notification.objects.exists()


def test_the_handover_needs_a_reason(personas: Personas, lena: User) -> None:
    with pytest.raises(ValidationError) as raised:
        case_reassign_leader(actor=personas.alice, case=talking(personas), leader=lena, reason="  ")
    assert "reason" in raised.value.message_dict


def test_a_handover_reason_longer_than_500_characters_is_refused_not_cut_short(personas: Personas, lena: User) -> None:
    case = talking(personas)
    with pytest.raises(ValidationError) as raised:
        case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason="因" * 501)
    assert list(raised.value.message_dict) == ["reason"]
    case.refresh_from_db()
    assert case.leader == personas.leo


def test_the_case_cannot_be_handed_to_its_current_leader(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        case_reassign_leader(actor=personas.alice, case=talking(personas), leader=personas.leo, reason=REASON)
    assert "leader" in raised.value.message_dict


@pytest.mark.parametrize("who", ["ivy", "carl", "rita"])
def test_the_new_leader_must_be_eligible(personas: Personas, who: str) -> None:
    case = talking(personas)
    with pytest.raises(ValidationError):
        case_reassign_leader(actor=personas.alice, case=case, leader=getattr(personas, who), reason=REASON)
    case.refresh_from_db()
    assert case.leader == personas.leo


def test_a_member_of_a_visit_team_never_leads_the_case(org: Org, personas: Personas, lena: User) -> None:
    # vic is a leader over the bureau and an inspector: on the team, they have read the sealed plan.
    vic = make_user("vic", "魏成")
    role_grant(actor=None, user=vic, role=Role.LEADER, unit=org.bureau)
    role_grant(actor=None, user=vic, role=Role.INSPECTOR, unit=org.district_a)
    case = rectifying(personas)
    start, end = window()
    visit_services.visit_plan_create(
        actor=personas.alice, case=case, team=[vic], window_start=start, window_end=end, method="随机到岗查看。"
    )
    assert [user.username for user in reassign_candidates(case)] == ["lena"]
    with pytest.raises(ValidationError):
        case_reassign_leader(actor=personas.alice, case=case, leader=vic, reason=REASON)


# --- the page -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client, personas: Personas) -> None:
    response = client.get(reassign_url(talking(personas)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_outsider_gets_404(client: Client, personas: Personas, lena: User) -> None:
    case = talking(personas)
    login(client, personas.oscar)
    assert client.get(reassign_url(case)).status_code == 404
    assert client.post(reassign_url(case), {"leader": lena.pk, "reason": REASON}).status_code == 404
    case.refresh_from_db()
    assert case.leader == personas.leo


@pytest.mark.parametrize("who", ["leo", "audrey"])
def test_people_who_see_the_case_but_may_not_hand_it_over_get_403(
    client: Client, personas: Personas, lena: User, who: str
) -> None:
    case = talking(personas)
    login(client, getattr(personas, who))
    assert client.get(reassign_url(case)).status_code == 403
    assert client.post(reassign_url(case), {"leader": lena.pk, "reason": REASON}).status_code == 403
    assert client.post(reassign_url(case)).status_code == 403  # refused before the form is read


@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_methods_are_refused(client: Client, personas: Personas, method: str) -> None:
    case = talking(personas)
    assert getattr(login(client, personas.alice), method)(reassign_url(case)).status_code == 405


def test_the_form_of_a_case_without_a_leader_answers_409(client: Client, personas: Personas) -> None:
    case = confirmed(personas)
    assert login(client, personas.alice).get(reassign_url(case)).status_code == 409


def test_the_form_offers_the_other_eligible_leaders(client: Client, personas: Personas, lena: User) -> None:
    case, _talk = signed(personas)
    page = login(client, personas.alice).get(reassign_url(case)).content.decode()
    assert f'value="{lena.pk}"' in page
    assert f'value="{personas.leo.pk}"' not in page  # the current leader
    assert f'value="{personas.ivy.pk}"' not in page
    assert "<html" in page  # without htmx: a page of its own
    fragment = client.get(reassign_url(case), headers={"HX-Request": "true"}).content.decode()
    assert f'value="{lena.pk}"' in fragment
    assert "<html" not in fragment  # htmx swaps the form into the case page


def test_the_organization_department_hands_over_from_the_page(client: Client, personas: Personas, lena: User) -> None:
    case = talking(personas)
    response = login(client, personas.alice).post(reassign_url(case), {"leader": lena.pk, "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == detail_url(case)
    case.refresh_from_db()
    assert case.leader == lena


def test_a_missing_reason_shows_the_form_again(client: Client, personas: Personas, lena: User) -> None:
    case = talking(personas)
    response = login(client, personas.alice).post(reassign_url(case), {"leader": lena.pk, "reason": ""})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.leader == personas.leo


def test_the_case_page_offers_the_handover_to_the_organization_department_only(
    client: Client, personas: Personas
) -> None:
    case = talking(personas)
    assert reassign_url(case) in login(client, personas.alice).get(detail_url(case)).content.decode()
    for who in (personas.leo, personas.audrey):
        assert reassign_url(case) not in login(client, who).get(detail_url(case)).content.decode()
    waiting = nominated(personas, cadre=personas.dora_cadre)  # no leader yet: assigned, not handed over
    assert reassign_url(waiting) not in login(client, personas.alice).get(detail_url(waiting)).content.decode()
