"""Every view of a sensitive object is in the audit trail, and the auditor's page shows who saw what.

Each test views one object as a person allowed to see it and finds exactly one `read` event naming that
person and that object; a person who may not see it gets a 404 and leaves no read behind (the log is
written only after the visibility check). States are reached through the real services.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from cases.matters import services as matter_services
from cases.matters.models import ChecklistAnswer
from cases.matters.services import AnswerInput
from cases.rectification import circulars, dossier, visit_services
from cases.rectification.circular_models import Circular
from cases.rectification.visit_models import VisitAttachment
from evaluations.identification import round_identify
from evaluations.models import SubjectResult
from project.audit.models import AuditEvent
from project.documents.models import DocumentStatus
from project.org.models import Role, User
from project.org.services import role_grant
from tests.cases.matters.states import investigating
from tests.cases.rectification.states import verifying
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Org, Personas, make_user
from tests.evaluations.built_rounds import build_closed_round
from tests.fixtures import _eager_celery  # noqa: F401 (autouse fixtures)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def login(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def reads(obj: models.Model, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(obj).filter(action="read", actor=user))


def assert_one_read_after(user: User, obj: models.Model, url: str, what: str) -> AuditEvent:
    assert reads(obj, user) == []
    response = login(user).get(url)
    assert response.status_code == 200
    events = reads(obj, user)
    assert len(events) == 1
    assert what in events[0].summary
    return events[0]


def assert_hidden_and_unlogged(user: User, obj: models.Model, url: str) -> None:
    response = login(user).get(url)
    assert response.status_code == 404
    assert reads(obj, user) == []


# --- Visits: the plan, its observations, its attachments ------------------------------------------


@pytest.fixture
def observed_visit(personas: Personas) -> VisitAttachment:
    plan = sealed(personas)
    photo = SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png")
    visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 不在岗", files=[photo])
    return VisitAttachment.objects.get(observation__plan=plan)


def test_the_inspector_viewing_a_visit_plan_and_its_observations_is_logged(
    personas: Personas, observed_visit: VisitAttachment
) -> None:
    plan = observed_visit.observation.plan
    url = reverse("cases:rectification:visit_detail", args=[plan.pk])

    assert_one_read_after(personas.ivy, plan, url, "visit plan")
    assert_hidden_and_unlogged(personas.leo, plan, url)


def test_downloading_a_visit_attachment_is_logged(personas: Personas, observed_visit: VisitAttachment) -> None:
    plan = observed_visit.observation.plan
    url = reverse("cases:rectification:visit_attachment", args=[observed_visit.pk])

    assert_one_read_after(personas.alice, plan, url, f"attachment #{observed_visit.pk}")
    assert_hidden_and_unlogged(personas.oscar, plan, url)


def test_the_list_of_a_cases_visits_is_logged_on_the_case(personas: Personas) -> None:
    case = verifying(personas)
    url = reverse("cases:rectification:case_visits", args=[case.pk])

    assert_one_read_after(personas.alice, case, url, "visit plans")
    assert_hidden_and_unlogged(personas.oscar, case, url)


# --- Peer comments in the results ----------------------------------------------------------------


@pytest.mark.slow
def test_reading_the_peer_comments_on_a_cadre_is_logged(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round)
    result = SubjectResult.objects.get(round=built.round, cadre=built.dora)
    url = reverse("evaluations:result_comments", args=[built.round.pk, built.dora.pk])

    assert_one_read_after(personas.alice, result, url, "comments")
    assert_hidden_and_unlogged(personas.oscar, result, url)


# --- An accountability matter's file -------------------------------------------------------------


def test_a_reviewer_reading_a_matter_file_its_decision_page_and_its_evidence_is_logged(personas: Personas) -> None:
    matter = investigating(personas)
    evidence = SimpleUploadedFile("会议纪要.png", PNG_BYTES, content_type="image/png")
    matter_services.checklist_save(
        actor=personas.rita, matter=matter, answers={"S1": AnswerInput(value="yes", note="纪要", attachment=evidence)}
    )
    answer = ChecklistAnswer.objects.get(matter=matter, criterion_id="S1")

    assert_one_read_after(personas.rita, matter, reverse("cases:matters:detail", args=[matter.pk]), "file")
    response = login(personas.rob).get(reverse("cases:matters:decision", args=[matter.pk]))
    assert response.status_code == 200
    assert [e.summary for e in reads(matter, personas.rob)] == [
        f"viewed accountability matter (问责事项) #{matter.pk} (decision)"  # the chain's English
    ]
    response = login(personas.alice).get(reverse("cases:matters:attachment", args=[answer.pk]))
    assert response.status_code == 200
    assert "attachment S1" in reads(matter, personas.alice)[0].summary
    assert_hidden_and_unlogged(personas.oscar, matter, reverse("cases:matters:detail", args=[matter.pk]))


# --- A circular's draft --------------------------------------------------------------------------


def _draft(org: Org, personas: Personas) -> Circular:
    return circulars.circular_create(
        actor=personas.alice,
        unit=org.district_a,
        issuing_body="中共东城区委组织部",
        issuer_code="东组通",
        title="关于陈刚同志工作作风问题的通报",
        addressees="各镇（街道）党（工）委，区级各部门",
        facts="经暗访，陈刚同志多次在工作时间观看网络视频。",
        decision="依据有关规定，对其予以诫勉。",
        nature="严重影响机关作风和群众办事体验。",
        requirements="各单位要引以为戒，举一反三。",
        cases=[],
    )


def test_a_second_org_admin_reading_a_circular_draft_is_logged(org: Org, personas: Personas) -> None:
    bob = make_user("bob", "吴波")
    role_grant(actor=None, user=bob, role=Role.ORG_ADMIN, unit=org.district_a)
    circular = _draft(org, personas)
    url = reverse("cases:rectification:circular_detail", args=[circular.pk])

    assert_one_read_after(bob, circular, url, "unpublished circular")
    assert_hidden_and_unlogged(personas.oscar, circular, url)


# --- The case file and its dossier ---------------------------------------------------------------


def test_reading_the_case_file_is_logged(personas: Personas) -> None:
    case = verifying(personas)
    url = reverse("cases:rectification:detail", args=[case.pk])

    assert_one_read_after(personas.alice, case, url, "case file")
    assert_hidden_and_unlogged(personas.oscar, case, url)


def test_a_read_is_summarised_in_the_chains_english_whatever_the_readers_language(personas: Personas) -> None:
    case = verifying(personas)
    login(personas.alice).get(reverse("cases:rectification:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    event = AuditEvent.objects.filter(action="read").latest("id")
    assert event.summary == f"viewed rectification case (整治案件) #{case.pk} (case file)"


def test_downloading_a_case_dossier_is_logged(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    case = verifying(personas)
    with django_capture_on_commit_callbacks(execute=True):
        document = dossier.case_dossier_request(actor=personas.alice, case=case)
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERED, document.error
    url = reverse("documents:download", args=[document.pk])

    assert_one_read_after(personas.alice, document, url, "download")
    assert_hidden_and_unlogged(personas.oscar, document, url)


# --- The auditor's page: who saw what ------------------------------------------------------------


def test_the_auditor_lists_who_read_what_filtered_by_reader_and_object(
    personas: Personas, observed_visit: VisitAttachment
) -> None:
    plan = observed_visit.observation.plan
    case = plan.case
    assert login(personas.ivy).get(reverse("cases:rectification:visit_detail", args=[plan.pk])).status_code == 200
    assert login(personas.alice).get(reverse("cases:rectification:detail", args=[case.pk])).status_code == 200
    auditor = login(personas.audrey)
    events = reverse("audit:event_list")

    by_ivy = auditor.get(events, {"action": "read", "actor": "ivy"})
    assert by_ivy.status_code == 200
    assert [e.pk for e in by_ivy.context["page"]] == [e.pk for e in reads(plan, personas.ivy)]
    assert "张燕" in by_ivy.content.decode()  # ivy's display name, as the actor column shows it

    of_plan = auditor.get(events, {"action": "read", "object_type": plan._meta.label_lower, "object_id": plan.pk})
    assert [e.actor_id for e in of_plan.context["page"]] == [personas.ivy.pk]

    all_reads = auditor.get(events, {"action": "read"})
    readers = {(e.actor_id, e.object_type) for e in all_reads.context["page"]}
    assert (personas.ivy.pk, plan._meta.label_lower) in readers
    assert (personas.alice.pk, case._meta.label_lower) in readers


def test_only_auditors_see_the_trail(personas: Personas) -> None:
    assert login(personas.ivy).get(reverse("audit:event_list"), {"action": "read"}).status_code == 403
