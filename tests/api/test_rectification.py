"""Rectification cases over the API: the staff visibility of the pages, the steps as action endpoints with the
services' errors (409 wrong state, 403 not allowed, 400 per field), and sealed visit plans kept from the
cadre and the leader in charge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from cases.rectification.models import CaseState
from cases.rectification.visit_models import VisitPlan
from project.audit.models import AuditEvent
from tests.api.conftest import ClientFor
from tests.cases.rectification.states import PEER_COMMENT, confirmed, nominated, signed, talking
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Personas

METHOD = "工作日上午随机到岗查看，不提前通知。"  # tests.cases.rectification.visit_states.planned


def _case(pk: int, tail: str = "") -> str:
    return f"/api/v1/cases/{pk}/{tail}"


# --- visibility --------------------------------------------------------------------------------------------


def test_anonymous_gets_401(anonymous: APIClient, personas: Personas) -> None:
    case = nominated(personas)
    assert anonymous.get(_case(case.pk)).status_code == 401


def test_an_outsider_org_admin_gets_404_like_a_missing_case(client_for: ClientFor, personas: Personas) -> None:
    case = nominated(personas)
    oscar = client_for(personas.oscar)
    assert oscar.get(_case(case.pk)).status_code == 404
    assert oscar.get(_case(99999)).status_code == 404
    assert oscar.post(_case(case.pk, "confirm/"), {"note": "x"}, format="json").status_code == 404
    assert oscar.get("/api/v1/cases/").json()["count"] == 0


def test_the_cadre_concerned_never_reads_the_staff_file(client_for: ClientFor, personas: Personas) -> None:
    case = talking(personas)
    carl = client_for(personas.carl)
    assert carl.get(_case(case.pk)).status_code == 404
    assert carl.get(_case(case.pk, "talks/")).status_code == 404


def test_the_org_admin_reads_the_case_and_the_read_is_logged(client_for: ClientFor, personas: Personas) -> None:
    case = nominated(personas)
    response = client_for(personas.alice).get(_case(case.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CaseState.NOMINATED
    assert body["actions"]["confirm"] is True
    assert body["evidence"]["peer_comments"] == [PEER_COMMENT]
    assert AuditEvent.objects.filter(action="read", actor=personas.alice, object_id=str(case.pk)).exists()


def test_the_leader_in_charge_sees_no_peer_comments(client_for: ClientFor, personas: Personas) -> None:
    case = talking(personas)
    body = client_for(personas.leo).get(_case(case.pk)).json()
    assert "peer_comments" not in body["evidence"]
    assert PEER_COMMENT not in str(body)


def test_the_case_list_filters_and_bounds_its_pages(client_for: ClientFor, personas: Personas) -> None:
    nominated(personas)
    alice = client_for(personas.alice)
    assert alice.get("/api/v1/cases/", {"state": "nominated"}).json()["count"] == 1
    assert alice.get("/api/v1/cases/", {"state": "closed_rectified"}).json()["count"] == 0
    assert alice.get("/api/v1/cases/", {"state": "nonsense"}).status_code == 400
    assert alice.get("/api/v1/cases/", {"page_size": 100000}).status_code == 200


# --- steps -------------------------------------------------------------------------------------------------


def test_a_step_in_the_wrong_state_is_409_and_in_the_right_one_200(client_for: ClientFor, personas: Personas) -> None:
    case = nominated(personas)
    alice = client_for(personas.alice)
    early = alice.post(_case(case.pk, "assign-leader/"), {"leader": personas.leo.pk}, format="json")
    assert early.status_code == 409
    assert early.json()["code"] == "state"
    confirmed_ = alice.post(_case(case.pk, "confirm/"), {"note": "经组织评定，确定为整治对象。"}, format="json")
    assert confirmed_.status_code == 200
    done = alice.post(_case(case.pk, "assign-leader/"), {"leader": personas.leo.pk}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == CaseState.TALKING
    assert done.json()["leader"]["id"] == personas.leo.pk


def test_a_step_the_person_may_not_take_is_403(client_for: ClientFor, personas: Personas) -> None:
    case = talking(personas)
    response = client_for(personas.audrey).post(_case(case.pk, "withdraw/"), {"reason": "retired"}, format="json")
    assert response.status_code == 403


def test_a_services_validation_error_is_400_per_field(client_for: ClientFor, personas: Personas) -> None:
    case = nominated(personas)
    response = client_for(personas.alice).post(_case(case.pk, "confirm/"), {"note": "  "}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    ineligible = client_for(personas.alice).post(
        _case(confirmed(personas, cadre=personas.dora_cadre).pk, "assign-leader/"),
        {"leader": personas.ivy.pk},
        format="json",
    )
    assert ineligible.status_code == 400
    assert "leader" in ineligible.json()


def test_the_state_field_is_read_only(client_for: ClientFor, personas: Personas) -> None:
    case = nominated(personas)
    alice = client_for(personas.alice)
    assert alice.patch(_case(case.pk), {"state": "closed_rectified"}, format="json").status_code == 405
    response = alice.post(_case(case.pk, "confirm/"), {"note": "评定", "state": "closed_rectified"}, format="json")
    assert response.json()["state"] == CaseState.CONFIRMED


def _talk_body(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "kind": "heart_to_heart",
        "held_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "place": "局三楼小会议室",
        "recorder": personas.dora_cadre.pk,
        "purpose": "民主测评反映工作推诿",
        "content": "指出问题，提出整改要求。",
    }
    return body | changes


def test_the_leader_records_signs_and_cannot_sign_twice(client_for: ClientFor, personas: Personas) -> None:
    case = talking(personas)
    leo = client_for(personas.leo)
    deadline = str(timezone.localdate() + timedelta(days=30))
    body = _talk_body(personas, commitments=[{"text": "每周报送工作台账", "deadline": deadline}])
    created = leo.post(_case(case.pk, "talks/"), body, format="json")
    assert created.status_code == 201, created.content
    talk = created.json()
    assert talk["subject_name"] == personas.carl_cadre.name
    assert len(talk["commitments"]) == 1
    assert leo.post(f"/api/v1/talks/{talk['id']}/sign/").status_code == 200
    again = leo.post(f"/api/v1/talks/{talk['id']}/sign/")
    assert again.status_code == 409
    assert again.json()["code"] == "signed"


def test_a_recorder_the_leader_may_not_see_is_answered_like_an_id_of_nobody(
    client_for: ClientFor, personas: Personas
) -> None:
    case = talking(personas)
    leo = client_for(personas.leo)
    hidden = leo.post(_case(case.pk, "talks/"), _talk_body(personas, recorder=personas.bella_cadre.pk), format="json")
    nobody = leo.post(_case(case.pk, "talks/"), _talk_body(personas, recorder=2_000_000), format="json")
    assert hidden.status_code == nobody.status_code == 400
    assert hidden.json()["recorder"] == nobody.json()["recorder"]
    assert not case.talks.exists()


def test_a_talk_takes_at_most_twenty_commitments(client_for: ClientFor, personas: Personas) -> None:
    case = talking(personas)
    deadline = str(timezone.localdate() + timedelta(days=30))
    rows = [{"text": f"承诺事项 {i}", "deadline": deadline} for i in range(21)]
    response = client_for(personas.leo).post(
        _case(case.pk, "talks/"), _talk_body(personas, commitments=rows), format="json"
    )
    assert response.status_code == 400
    assert response.json()["commitments"]
    assert not case.talks.exists()


def test_plans_commitments_and_care_measures_are_listed_and_added(client_for: ClientFor, personas: Personas) -> None:
    case, _talk = signed(personas)
    leo = client_for(personas.leo)
    plan = leo.post(_case(case.pk, "plans/"), {"measures": "按周报送台账", "period_months": 6}, format="json")
    assert plan.status_code == 201
    care = leo.post(
        _case(case.pk, "care-measures/"), {"kind": "training", "description": "作风专题培训"}, format="json"
    )
    assert care.status_code == 201
    for tail, count in (("plans/", 1), ("care-measures/", 1), ("commitments/", 1), ("talks/", 1)):
        assert leo.get(_case(case.pk, tail)).json()["count"] == count
        assert leo.head(_case(case.pk, tail)).status_code == 200  # HEAD reads like GET, adds nothing
    assert leo.get(_case(case.pk, "plans/")).json()["count"] == 1
    started = leo.post(_case(case.pk, "start-rectifying/"))
    assert started.status_code == 200
    assert started.json()["state"] == CaseState.RECTIFYING
    commitment = leo.get(_case(case.pk, "commitments/")).json()["results"][0]
    assert leo.post(f"/api/v1/commitments/{commitment['id']}/done/").status_code == 200
    assert client_for(personas.oscar).post(f"/api/v1/commitments/{commitment['id']}/done/").status_code == 404


# --- sealed visit plans --------------------------------------------------------------------------------------


def _sealed_plan(personas: Personas) -> VisitPlan:
    return sealed(personas)


def _leaks(response: Any, plan: VisitPlan) -> bool:
    text = response.content.decode()
    return METHOD in text or (plan.visit_date is not None and plan.visit_date.isoformat() in text)


def test_the_leader_in_charge_never_sees_a_sealed_plan(client_for: ClientFor, personas: Personas) -> None:
    plan = _sealed_plan(personas)
    leo = client_for(personas.leo)
    assert leo.get(f"/api/v1/visits/{plan.pk}/").status_code == 404
    assert leo.get(_case(plan.case_id, "visits/")).status_code == 404
    assert leo.get("/api/v1/visits/").json()["count"] == 0
    case = leo.get(_case(plan.case_id))
    assert case.status_code == 200
    assert not _leaks(case, plan)
    assert case.json()["actions"]["visits"] is False
    assert leo.post(f"/api/v1/visits/{plan.pk}/execute/", {"verdict": "improved"}, format="json").status_code == 404


def test_the_cadre_never_sees_a_sealed_plan(client_for: ClientFor, personas: Personas) -> None:
    plan = _sealed_plan(personas)
    carl = client_for(personas.carl)
    assert carl.get(f"/api/v1/visits/{plan.pk}/").status_code == 404
    assert carl.get("/api/v1/visits/").json()["count"] == 0
    assert carl.get(_case(plan.case_id, "visits/")).status_code == 404


def test_the_team_and_the_org_admin_see_the_plan_and_each_view_is_logged(
    client_for: ClientFor, personas: Personas
) -> None:
    plan = _sealed_plan(personas)
    for user in (personas.ivy, personas.alice):
        response = client_for(user).get(f"/api/v1/visits/{plan.pk}/")
        assert response.status_code == 200
        assert response.json()["method"] == METHOD
        assert AuditEvent.objects.filter(action="read", actor=user, object_id=str(plan.pk)).exists()
    assert client_for(personas.alice).get(_case(plan.case_id, "visits/")).json()["count"] == 1
    assert client_for(personas.audrey).get(f"/api/v1/visits/{plan.pk}/").status_code == 404


def test_the_team_records_an_observation_and_the_verdict(client_for: ClientFor, personas: Personas) -> None:
    plan = _sealed_plan(personas)
    ivy = client_for(personas.ivy)
    observed = ivy.post(f"/api/v1/visits/{plan.pk}/observations/", {"text": "10:35 在办公室"}, format="json")
    assert observed.status_code == 200
    assert len(observed.json()["observations"]) == 1
    done = ivy.post(f"/api/v1/visits/{plan.pk}/execute/", {"verdict": "improved", "note": "在岗"}, format="json")
    assert done.status_code == 200
    assert ivy.post(f"/api/v1/visits/{plan.pk}/execute/", {"verdict": "improved"}, format="json").status_code == 409
    assert client_for(personas.alice).post(f"/api/v1/visits/{plan.pk}/seal/").status_code == 409
