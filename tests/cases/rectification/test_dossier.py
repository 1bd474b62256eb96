"""The case dossier PDF: what each viewer's dossier holds (read back with pypdf), who may ask for it and
download it, and that asking is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.rectification import circulars
from cases.rectification.assignment import case_reassign_leader
from cases.rectification.dossier import KIND, case_dossier_request, dossiers_of
from cases.rectification.models import RectificationCase
from cases.rectification.visit_models import VisitPlan
from project.audit.models import AuditEvent
from project.documents.models import Document
from project.documents.permissions import can_view_document
from project.documents.registry import get_document_kind
from project.documents.renderer import PDF_LANGUAGE
from project.org.models import Role, User
from project.org.services import role_grant
from tests.cases.rectification.states import PEER_COMMENT, talking, verifying
from tests.cases.rectification.visit_states import executed
from tests.conftest import Org, Personas, make_user
from tests.documents.pdfs import page_texts

pytestmark = pytest.mark.django_db

METHOD = "工作日上午随机到岗查看，不提前通知。"
OBSERVATION = "10:35 在办公室观看网络视频"
CIRCULAR_FACTS = "经暗访发现该同志工作时间脱岗。"


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def dossier_url(case: RectificationCase) -> str:
    return reverse("cases:rectification:dossier", kwargs={"pk": case.pk})


def text_of(document: Document) -> str:
    """The PDF's text without any whitespace (pypdf breaks lines where the layout does)."""
    document.refresh_from_db()
    assert document.is_rendered, document.error
    with document.file.open("rb") as handle:
        return "".join("".join(page_texts(handle.read())).split())


@pytest.fixture
def case_with_visit(personas: Personas) -> tuple[RectificationCase, VisitPlan]:
    """carl's case in verification, with ivy's executed visit and a circular draft naming it."""
    case = verifying(personas)
    plan = executed(personas, "improved", case=case)
    circulars.circular_create(
        actor=personas.alice,
        unit=personas.carl_cadre.unit,
        issuing_body="中共东城区委组织部",
        issuer_code="东组通",
        title="关于陈刚同志工作作风问题的通报",
        addressees="各科室",
        facts=CIRCULAR_FACTS,
        decision="予以通报批评。",
        nature="影响机关形象。",
        requirements="引以为戒。",
        cases=[case],
    )
    return case, plan


def rendered_for(user: User, case: RectificationCase, capture: Any) -> Document:
    with capture(execute=True):
        document = case_dossier_request(actor=user, case=case)
    return document


def test_the_cases_app_registers_the_dossier_kind() -> None:
    assert get_document_kind(KIND).kind == "case_dossier"


# --- content per viewer -----------------------------------------------------------------------------------


def test_the_organization_departments_dossier_holds_everything_including_the_sealed_plan(
    personas: Personas, case_with_visit: tuple[RectificationCase, VisitPlan], django_capture_on_commit_callbacks: Any
) -> None:
    case, plan = case_with_visit
    text = text_of(rendered_for(personas.alice, case, django_capture_on_commit_callbacks))
    for expected in ("整治案件卷宗", "陈刚", "综合科", "李强", "王丽"):  # cadre, unit, leader, the requester
        assert expected in text, expected
    assert "指出存在的问题，听取本人意见，提出整改要求。" in text  # the talk
    assert "一、按周报送台账；二、参加作风建设专题培训。" in text  # the plan
    assert "每周报送工作台账" in text  # the commitment
    assert PEER_COMMENT in text  # colleagues' comments: the organization department only
    assert "2.41" in text  # the frozen evidence
    # the timeline, in the PDF's language (not the stored English summary)
    with translation.override(PDF_LANGUAGE):
        confirmed = AuditEvent.objects.get(action="case.confirm", object_id=str(case.pk)).label
    assert "".join(confirmed.split()) in text
    assert f"confirmedcase#{case.pk}" not in text
    assert "关于陈刚同志工作作风问题的通报" in text  # the circular
    # the sealed plan: team, window, method, observations, verdict
    assert "张燕" in text
    assert "时间窗口" in text
    assert f"{plan.window_end:%Y}年{plan.window_end.month}月{plan.window_end.day}日" in text
    assert METHOD in text
    assert OBSERVATION.replace(" ", "") in text


def test_the_leaders_dossier_never_shows_the_sealed_plan(
    personas: Personas, case_with_visit: tuple[RectificationCase, VisitPlan], django_capture_on_commit_callbacks: Any
) -> None:
    case, plan = case_with_visit
    text = text_of(rendered_for(personas.leo, case, django_capture_on_commit_callbacks))
    assert "陈刚" in text
    assert "李强" in text
    assert "每周报送工作台账" in text
    for sealed in ("张燕", "时间窗口", "暗访方式", METHOD, OBSERVATION.replace(" ", ""), "暗访组"):
        assert sealed not in text, sealed
    assert f"{plan.window_end:%Y}年{plan.window_end.month}月{plan.window_end.day}日" not in text
    assert PEER_COMMENT not in text
    assert "关于陈刚同志工作作风问题的通报" not in text  # circulars are the organization department's


def test_the_auditors_dossier_has_the_circulars_but_no_visits_and_no_comments(
    personas: Personas, case_with_visit: tuple[RectificationCase, VisitPlan], django_capture_on_commit_callbacks: Any
) -> None:
    case, _plan = case_with_visit
    text = text_of(rendered_for(personas.audrey, case, django_capture_on_commit_callbacks))
    assert "陈刚" in text
    assert "关于陈刚同志工作作风问题的通报" in text
    assert METHOD not in text
    assert "张燕" not in text
    assert PEER_COMMENT not in text


def test_a_leader_who_is_also_org_admin_above_still_gets_no_sealed_plan(
    org: Org,
    personas: Personas,
    case_with_visit: tuple[RectificationCase, VisitPlan],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # leo leads the case; an org_admin grant over the district does not open the sealed plan to him.
    role_grant(actor=None, user=personas.leo, role=Role.ORG_ADMIN, unit=org.district_a)
    leo = User.objects.get(pk=personas.leo.pk)  # a fresh object: grants are cached per user object
    case, _plan = case_with_visit
    text = text_of(rendered_for(leo, case, django_capture_on_commit_callbacks))
    assert METHOD not in text
    assert "张燕" not in text


# --- who may ask, who may download ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client, personas: Personas) -> None:
    response = client.post(dossier_url(talking(personas)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["oscar", "ivy", "carl", "rita"])
def test_people_who_may_not_read_the_case_get_404(client: Client, personas: Personas, who: str) -> None:
    case = talking(personas)
    login(client, getattr(personas, who))
    assert client.post(dossier_url(case)).status_code == 404
    assert client.get(dossier_url(case)).status_code == 404
    assert not Document.objects.filter(kind=KIND).exists()


def test_a_missing_case_answers_404(client: Client, personas: Personas) -> None:
    case = talking(personas)
    assert (
        login(client, personas.alice)
        .post(reverse("cases:rectification:dossier", kwargs={"pk": case.pk + 99}))
        .status_code
        == 404
    )


@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_methods_are_refused(client: Client, personas: Personas, method: str) -> None:
    assert getattr(login(client, personas.alice), method)(dossier_url(talking(personas))).status_code == 405


@pytest.mark.parametrize("who", ["alice", "leo", "audrey"])
def test_case_staff_ask_from_the_case_page_and_follow_it_on_the_dossier_page(
    client: Client, personas: Personas, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    user = getattr(personas, who)
    login(client, user)
    detail = client.get(reverse("cases:rectification:detail", kwargs={"pk": case.pk})).content.decode()
    assert dossier_url(case) in detail  # the button
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(dossier_url(case))
    assert response.status_code == 302
    assert response["Location"] == dossier_url(case)
    document = Document.objects.get(kind=KIND)
    assert document.requested_by == user
    page = client.get(dossier_url(case)).content.decode()
    assert reverse("documents:download", kwargs={"pk": document.pk}) in page


def test_only_the_requester_may_download_a_dossier(
    client: Client,
    personas: Personas,
    case_with_visit: tuple[RectificationCase, VisitPlan],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case, _plan = case_with_visit
    alices = rendered_for(personas.alice, case, django_capture_on_commit_callbacks)
    leos = rendered_for(personas.leo, case, django_capture_on_commit_callbacks)
    assert can_view_document(personas.alice, alices)
    for other in (personas.leo, personas.audrey, personas.oscar, personas.ivy, personas.carl):
        assert not can_view_document(other, alices), other
    assert not can_view_document(personas.alice, leos)  # a leader's copy is theirs too
    download = reverse("documents:download", kwargs={"pk": alices.pk})
    assert login(client, personas.leo).get(download).status_code == 404
    response = login(client, personas.alice).get(download)
    assert response.status_code == 200
    assert AuditEvent.objects.for_object(alices).filter(action="read", actor=personas.alice).exists()


def test_the_dossier_page_lists_only_the_users_own_dossiers(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    alices = rendered_for(personas.alice, case, django_capture_on_commit_callbacks)
    page = login(client, personas.audrey).get(dossier_url(case)).content.decode()
    assert alices.verification_code not in page
    assert list(dossiers_of(user=personas.audrey, case=case)) == []


def test_the_dossier_page_query_count_does_not_grow_with_the_dossiers(
    client: Client, personas: Personas, django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    rendered_for(personas.alice, case, django_capture_on_commit_callbacks)
    login(client, personas.alice)
    # session, user, grants, the case, the dossiers
    with django_assert_num_queries(5):
        client.get(dossier_url(case))
    for _ in range(3):
        rendered_for(personas.alice, case, django_capture_on_commit_callbacks)
    with django_assert_num_queries(5):
        client.get(dossier_url(case))


def test_a_requester_who_lost_the_case_before_rendering_gets_a_failed_document(
    org: Org, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    lena = make_user("lena", "林娜")
    role_grant(actor=None, user=lena, role=Role.LEADER, unit=org.bureau)
    case = talking(personas)
    document = case_dossier_request(actor=personas.leo, case=case)  # not rendered yet (no commit)
    case_reassign_leader(actor=personas.alice, case=case, leader=lena, reason="调整分工。")
    from project.documents.services import document_render

    document = document_render(document_id=document.pk)
    assert document.is_failed
    assert not document.file
    assert not can_view_document(personas.leo, document)


# --- audit and reuse ----------------------------------------------------------------------------------------


def test_asking_for_a_dossier_is_audited_on_the_case(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    with django_capture_on_commit_callbacks(execute=True):
        login(client, personas.leo).post(dossier_url(case))
    document = Document.objects.get(kind=KIND)
    event = AuditEvent.objects.for_object(case).get(action="case.dossier_request")
    assert event.actor == personas.leo
    assert event.data == {"document": document.pk, "visits": False}
    assert AuditEvent.objects.for_object(document).filter(action="document.request", actor=personas.leo).exists()


def test_a_dossier_still_rendering_is_returned_instead_of_a_new_one(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    first = case_dossier_request(actor=personas.alice, case=case)
    again = case_dossier_request(actor=personas.alice, case=case)
    assert again.pk == first.pk
    assert AuditEvent.objects.for_object(case).filter(action="case.dossier_request").count() == 1
    from project.documents.services import document_render

    document_render(document_id=first.pk)
    fresh = case_dossier_request(actor=personas.alice, case=case)  # once rendered, a new snapshot
    assert fresh.pk != first.pk
