"""Accountability matters and their fault-tolerance assessment over the API: the file's visibility, the
steps with the services' errors, the checklist and the engine's assessment, the two-person decision."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from cases.matters.models import MatterState, Outcome
from tests.api.conftest import ClientFor
from tests.cases.matters.states import EXEMPT_ANSWERS, accepted, investigating, received, recommended
from tests.conftest import Personas


def _matter(pk: int, tail: str = "") -> str:
    return f"/api/v1/matters/{pk}/{tail}"


def test_anonymous_gets_401(anonymous: APIClient, personas: Personas) -> None:
    assert anonymous.get(_matter(received(personas).pk)).status_code == 401


def test_outsiders_and_the_cadre_concerned_get_404(client_for: ClientFor, personas: Personas) -> None:
    matter = received(personas)
    for user in (personas.oscar, personas.carl):
        client = client_for(user)
        assert client.get(_matter(matter.pk)).status_code == 404
        assert client.get(_matter(matter.pk, "assessment/")).status_code == 404
        assert client.get("/api/v1/matters/").json()["count"] == 0


def test_assigned_reviewers_and_the_auditor_read_the_file(client_for: ClientFor, personas: Personas) -> None:
    matter = received(personas)
    for user in (personas.rita, personas.audrey, personas.alice):
        response = client_for(user).get(_matter(matter.pk))
        assert response.status_code == 200
        assert {r["user"]["id"] for r in response.json()["reviewers"]} == {personas.rita.pk, personas.rob.pk}


def test_accepting_before_the_application_is_409_then_200(client_for: ClientFor, personas: Personas) -> None:
    matter = received(personas)
    alice = client_for(personas.alice)
    assert alice.post(_matter(matter.pk, "accept/")).status_code == 409
    applied = alice.post(
        _matter(matter.pk, "apply/"), {"applicant_kind": "unit", "statement": "先行先试"}, format="json"
    )
    assert applied.status_code == 200
    accepted_ = alice.post(_matter(matter.pk, "accept/"))
    assert accepted_.status_code == 200
    assert accepted_.json()["state"] == MatterState.ACCEPTED


def test_only_the_org_admin_accepts(client_for: ClientFor, personas: Personas) -> None:
    matter = received(personas)
    client_for(personas.alice).post(_matter(matter.pk, "apply/"), {"applicant_kind": "unit", "statement": "先行先试"})
    assert client_for(personas.audrey).post(_matter(matter.pk, "accept/")).status_code == 403


def test_the_assessment_opens_with_the_investigation(client_for: ClientFor, personas: Personas) -> None:
    matter = accepted(personas)
    rita = client_for(personas.rita)
    early = rita.get(_matter(matter.pk, "assessment/"))
    assert early.status_code == 409
    assert early.json()["code"] == "no_checklist"
    assert rita.post(_matter(matter.pk, "start-investigation/")).status_code == 200
    assessment = rita.get(_matter(matter.pk, "assessment/")).json()
    assert assessment["ruleset"] == "zigong-v1"
    assert assessment["assessment"]["outcome"] == Outcome.INSUFFICIENT


def test_a_reviewer_saves_the_checklist_and_gets_the_engines_assessment(
    client_for: ClientFor, personas: Personas
) -> None:
    matter = investigating(personas)
    answers = {cid: {"value": value, "note": f"{cid} 核实"} for cid, value in EXEMPT_ANSWERS.items()}
    response = client_for(personas.rita).post(_matter(matter.pk, "checklist/"), {"answers": answers}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assessment"]["outcome"] == Outcome.EXEMPT
    assert {row["criterion_id"] for row in response.json()["answers"]} >= set(EXEMPT_ANSWERS)


def test_an_unknown_criterion_is_400_and_the_auditor_may_not_answer(client_for: ClientFor, personas: Personas) -> None:
    matter = investigating(personas)
    bad = client_for(personas.rita).post(
        _matter(matter.pk, "checklist/"), {"answers": {"ZZ9": {"value": "yes"}}}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["non_field_errors"]
    audrey = client_for(personas.audrey).post(
        _matter(matter.pk, "checklist/"), {"answers": {"S1": {"value": "yes"}}}, format="json"
    )
    assert audrey.status_code == 403


def test_a_correction_task_for_someone_outside_the_matters_unit_is_400_on_owner(
    client_for: ClientFor, personas: Personas
) -> None:
    matter = recommended(personas)
    body = {
        "owner": personas.oscar.pk,
        "description": "追回垫付资金",
        "deadline": str(timezone.localdate() + timedelta(30)),
    }
    response = client_for(personas.rita).post(_matter(matter.pk, "correction-tasks/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["owner"]
    assert not matter.correction_tasks.exists()


def test_one_person_never_decides_alone(client_for: ClientFor, personas: Personas) -> None:
    matter = recommended(personas)
    rita = client_for(personas.rita)
    task = rita.post(
        _matter(matter.pk, "correction-tasks/"),
        {
            "owner": personas.carl.pk,
            "description": "追回垫付资金",
            "deadline": str(timezone.localdate() + timedelta(30)),
        },
        format="json",
    )
    assert task.status_code == 201
    assert rita.post(_matter(matter.pk, "propose/"), {"outcome": Outcome.EXEMPT}, format="json").status_code == 200
    assert rita.post(_matter(matter.pk, "confirm-decision/")).status_code == 403
    confirmed = client_for(personas.rob).post(_matter(matter.pk, "confirm-decision/"))
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert client_for(personas.alice).get(_matter(matter.pk, "decisions/")).json()["count"] == 1
    assert client_for(personas.alice).get(_matter(matter.pk)).json()["state"] == MatterState.DECIDED
