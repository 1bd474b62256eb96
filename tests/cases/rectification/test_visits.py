"""Unannounced visits (暗访): the sealed plan, its random working-day date, observations with attachments,
the verdict that verification reads, and who may see any of it (never the cadre, never the leader)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.matters.workdays import is_working_day
from cases.rectification import period_services, permissions, visit_services, visits
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import CaseState, RectificationCase
from cases.rectification.visit_models import VisitPlan, VisitVerdict
from project.audit.models import AuditEvent
from project.org.models import Role, User
from tests.cases.rectification.states import closed_rectified, more_staff, rectifying, talking, verifying
from tests.cases.rectification.visit_states import executed, planned, sealed, window
from tests.conftest import Org, Personas

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"cases:rectification:{name}", kwargs=kwargs or None)


def observed_with_file(personas: Personas) -> VisitPlan:
    plan = sealed(personas)
    upload = SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png")
    visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人", files=[upload])
    return plan


# --- services ---------------------------------------------------------------------------------------------


def test_a_plan_has_no_date_until_it_is_sealed(personas: Personas) -> None:
    plan = planned(personas)
    assert plan.visit_date is None
    assert not plan.is_sealed


def test_sealing_draws_a_working_day_inside_the_window(personas: Personas) -> None:
    case = verifying(personas)
    for _ in range(5):
        plan = sealed(personas, case)
        assert plan.visit_date is not None
        assert plan.window_start <= plan.visit_date <= plan.window_end
        assert is_working_day(plan.visit_date)


def test_the_draw_skips_the_national_day_holiday() -> None:
    days = visit_services.working_days_between(date(2025, 9, 30), date(2025, 10, 11))
    assert date(2025, 10, 1) not in days
    assert date(2025, 10, 8) not in days
    # 11 October 2025 is a Saturday worked instead of a holiday (调休).
    assert days == [date(2025, 9, 30), date(2025, 10, 9), date(2025, 10, 10), date(2025, 10, 11)]


def test_nothing_about_the_sealed_plan_reaches_the_audit_trail(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window opens tomorrow (today is the start of the case's period, whose dates the trail does show),
    # and the visit is recorded tomorrow.
    plan = sealed(personas, opens_in=1)
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    upload = SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png")
    visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人", files=[upload])
    assert plan.visit_date is not None
    secrets_ = {plan.visit_date.isoformat(), plan.window_start.isoformat(), plan.window_end.isoformat(), "观看"}
    secrets_ |= {plan.visit_date.strftime("%Y%m%d"), "工作日上午", "工位无人"}
    for event in AuditEvent.objects.all():
        text = f"{event.summary} {event.data}"
        assert not any(secret in text for secret in secrets_), text


def test_sealing_twice_is_a_conflict(personas: Personas) -> None:
    plan = sealed(personas)
    with pytest.raises(InvalidTransition):
        visit_services.visit_plan_seal(actor=personas.alice, plan=plan)


def test_only_the_organization_department_plans_and_seals(personas: Personas) -> None:
    case = verifying(personas)
    start, end = window()
    for actor in (personas.leo, personas.ivy, personas.audrey, personas.oscar):
        with pytest.raises(PermissionDenied):
            visit_services.visit_plan_create(
                actor=actor, case=case, team=[personas.ivy], window_start=start, window_end=end, method="随机"
            )
    plan = planned(personas, case)
    with pytest.raises(PermissionDenied):
        visit_services.visit_plan_seal(actor=personas.ivy, plan=plan)


def test_the_team_must_be_inspectors_over_the_unit(personas: Personas) -> None:
    start, end = window()
    with pytest.raises(ValidationError):
        visit_services.visit_plan_create(
            actor=personas.alice, case=verifying(personas), team=[personas.leo],
            window_start=start, window_end=end, method="随机",
        )  # fmt: skip


def test_observations_need_a_sealed_plan_and_a_team_member(personas: Personas) -> None:
    plan = planned(personas)
    with pytest.raises(InvalidTransition):
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人")
    visit_services.visit_plan_seal(actor=personas.alice, plan=plan)
    with pytest.raises(PermissionDenied):
        visit_services.visit_observation_add(actor=personas.alice, plan=plan, text="10:35 工位无人")


def test_a_fake_pdf_is_rejected(personas: Personas) -> None:
    plan = sealed(personas)
    fake = SimpleUploadedFile("照片.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as raised, translation.override("en"):
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人", files=[fake])
    # The visit's own types, not the matters' (which add Word and Excel).
    assert raised.value.message_dict == {"files": ["Only PDF, JPEG and PNG files can be attached to a visit."]}
    assert not plan.observations.exists()


def test_an_oversize_file_is_rejected(personas: Personas, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 20
    plan = sealed(personas)
    big = SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")
    with pytest.raises(ValidationError):
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人", files=[big])


def test_closing_as_rectified_works_after_an_improved_verdict(personas: Personas) -> None:
    case = verifying(personas)
    with pytest.raises(InvalidTransition):
        period_services.case_close_rectified(actor=personas.alice, case=case)
    executed(personas, VisitVerdict.IMPROVED, case)
    assert permissions.case_actions(personas.alice, RectificationCase.objects.get(pk=case.pk))["close_rectified"]
    closed = period_services.case_close_rectified(actor=personas.alice, case=case)
    assert closed.state == CaseState.CLOSED_RECTIFIED


def test_escalation_works_after_an_unchanged_verdict(personas: Personas) -> None:
    case = verifying(personas)
    executed(personas, VisitVerdict.UNCHANGED, case)
    with pytest.raises(InvalidTransition):
        period_services.case_close_rectified(actor=personas.alice, case=case)
    escalated = period_services.case_escalate(
        actor=personas.alice, case=case, measure="admonishment", note="予以诫勉。"
    )
    assert escalated.state == CaseState.ESCALATED


def test_a_visit_can_be_planned_while_rectifying(personas: Personas) -> None:
    plan = planned(personas, rectifying(personas))
    assert plan.pk


# --- visibility and pages -----------------------------------------------------------------------------------


def test_only_the_team_and_the_organization_department_see_a_plan(personas: Personas) -> None:
    plan = sealed(personas)
    for user in (personas.alice, personas.ivy):
        assert VisitPlan.objects.visible_to(user).filter(pk=plan.pk).exists()
    for user in (personas.carl, personas.leo, personas.audrey, personas.oscar, personas.rita):
        assert not VisitPlan.objects.visible_to(user).filter(pk=plan.pk).exists()


@pytest.mark.parametrize("who", ["carl", "leo", "audrey", "oscar"])
def test_the_cadre_the_leader_and_others_get_404_on_every_visit_url(personas: Personas, who: str) -> None:
    plan = observed_with_file(personas)
    attachment = plan.observations.get().attachments.get()
    client = login(Client(), getattr(personas, who))
    assert client.get(url("case_visits", pk=plan.case_id)).status_code == 404
    assert client.get(url("visit_detail", pk=plan.pk)).status_code == 404
    assert client.get(url("visit_attachment", pk=attachment.pk)).status_code == 404
    assert client.post(url("visit_seal", pk=plan.pk)).status_code == 404
    assert client.post(url("visit_execute", pk=plan.pk), {"verdict": "improved"}).status_code == 404
    assert plan.pk not in [p.pk for p in client.get(url("my_visits")).context["plans"]]


def test_anonymous_is_sent_to_log_in(personas: Personas) -> None:
    plan = sealed(personas)
    response = Client().get(url("visit_detail", pk=plan.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_leader_gets_no_visits_link_on_the_case_page(personas: Personas) -> None:
    case = verifying(personas)
    leader_page = login(Client(), personas.leo).get(url("detail", pk=case.pk)).content.decode()
    admin_page = login(Client(), personas.alice).get(url("detail", pk=case.pk)).content.decode()
    visits_url = url("case_visits", pk=case.pk)
    assert visits_url not in leader_page
    assert visits_url in admin_page


def test_the_organization_department_plans_through_the_page(personas: Personas) -> None:
    case = verifying(personas)
    client = login(Client(), personas.alice)
    start, end = window()
    response = client.post(
        url("case_visits", pk=case.pk),
        {"team": [personas.ivy.pk], "window_start": start.isoformat(), "window_end": end.isoformat(), "method": "随机"},
    )
    plan = VisitPlan.objects.get(case=case)
    assert response.status_code == 302
    assert client.post(url("visit_seal", pk=plan.pk)).status_code == 302
    plan.refresh_from_db()
    assert plan.visit_date is not None


def test_viewing_a_plan_is_logged(personas: Personas) -> None:
    plan = sealed(personas)
    response = login(Client(), personas.ivy).get(url("visit_detail", pk=plan.pk))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="read", object_id=str(plan.pk), actor=personas.ivy).exists()


def test_a_team_member_downloads_an_attachment_as_an_attachment_and_it_is_logged(personas: Personas) -> None:
    plan = observed_with_file(personas)
    attachment = plan.observations.get().attachments.get()
    response = login(Client(), personas.ivy).get(url("visit_attachment", pk=attachment.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG_BYTES  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="read", summary__contains=f"attachment #{attachment.pk}").exists()


def test_the_inspector_records_through_the_page(personas: Personas) -> None:
    plan = sealed(personas)
    client = login(Client(), personas.ivy)
    observed = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    fake = SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(
        url("visit_observe", pk=plan.pk), {"observed_at": observed, "text": "工位无人", "file": fake}
    )
    assert response.status_code == 400
    response = client.post(url("visit_observe", pk=plan.pk), {"observed_at": observed, "text": "工位无人"})
    assert response.status_code == 302
    response = client.post(url("visit_execute", pk=plan.pk), {"verdict": "worse", "note": ""})
    assert response.status_code == 302
    assert client.post(url("visit_execute", pk=plan.pk), {"verdict": "worse"}).status_code == 409
    assert client.get(url("visit_execute", pk=plan.pk)).status_code == 405


def test_my_visits_lists_sealed_plans_with_their_date(personas: Personas) -> None:
    case = verifying(personas)
    draft = planned(personas, case)
    plan = sealed(personas, case)
    assert plan.visit_date is not None
    response = login(Client(), personas.ivy).get(url("my_visits"))
    assert [p.pk for p in response.context["plans"]] == [plan.pk]
    assert plan.visit_date.strftime("%Y-%m-%d") in response.content.decode()
    assert AuditEvent.objects.filter(action="read", object_id=str(plan.pk), summary__contains="my visits").exists()
    assert draft.pk != plan.pk


def test_my_visits_costs_the_same_queries_for_one_plan_or_three(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    case = verifying(personas)
    sealed(personas, case)
    client = login(Client(), personas.ivy)
    with CaptureQueriesContext(connection) as one:
        client.get(url("my_visits"))
    sealed(personas, case)
    sealed(personas, case)
    with django_assert_max_num_queries(len(one)):
        client.get(url("my_visits"))


def test_the_case_visits_page_costs_the_same_queries_for_one_plan_or_three(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    case = verifying(personas)
    sealed(personas, case)
    client = login(Client(), personas.alice)
    with CaptureQueriesContext(connection) as one:
        client.get(url("case_visits", pk=case.pk))
    sealed(personas, case)
    planned(personas, case)
    with django_assert_max_num_queries(len(one)):
        client.get(url("case_visits", pk=case.pk))


def test_the_case_visits_page_costs_the_same_queries_for_one_inspector_or_five(
    org: Org, personas: Personas, django_assert_num_queries: Any
) -> None:
    case = verifying(personas)
    client = login(Client(), personas.alice)
    client.get(url("case_visits", pk=case.pk))  # warm
    with CaptureQueriesContext(connection) as one:
        client.get(url("case_visits", pk=case.pk))
    more_staff(Role.INSPECTOR, org.district_a, 4)
    assert len(visits.team_candidates(case)) == 5
    with django_assert_num_queries(len(one)):
        client.get(url("case_visits", pk=case.pk))


def test_a_visit_of_a_case_withdrawn_meanwhile_is_neither_sealed_observed_nor_judged(personas: Personas) -> None:
    case = verifying(personas)
    unsealed, open_visit = planned(personas, case), sealed(personas, case)
    period_services.case_withdraw(actor=personas.alice, case=case, reason="transferred")
    with pytest.raises(InvalidTransition):
        visit_services.visit_plan_seal(actor=personas.alice, plan=unsealed)
    with pytest.raises(InvalidTransition):
        visit_services.visit_observation_add(actor=personas.ivy, plan=open_visit, text="10:35 在办公室")
    with pytest.raises(InvalidTransition):
        visit_services.visit_execute(actor=personas.ivy, plan=open_visit, verdict=VisitVerdict.IMPROVED)
    open_visit.refresh_from_db()
    unsealed.refresh_from_db()
    assert (unsealed.sealed_at, open_visit.executed_at) == (None, None)
    assert not open_visit.observations.exists()


def test_no_visit_can_be_planned_before_the_rectification_period(personas: Personas) -> None:
    case = talking(personas)
    response = login(Client(HTTP_ACCEPT_LANGUAGE="en"), personas.alice).get(url("case_visits", pk=case.pk))
    assert response.status_code == 200
    assert response.context["form"] is None
    # The page says why there is no form, and leads back to the case.
    assert response.context["planning_closed"] == "not_yet"
    html = response.content.decode()
    reason = html[html.index('id="visit-planning-closed"') :]
    assert "No visit can be planned yet" in reason
    assert f'href="{url("detail", pk=case.pk)}"' in reason
    start, end = window()
    with pytest.raises(InvalidTransition):
        visit_services.visit_plan_create(
            actor=personas.alice, case=case, team=[personas.ivy], window_start=start, window_end=end, method="随机"
        )


def test_no_visit_can_be_planned_once_the_case_is_closed_and_the_page_says_so(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = closed_rectified(personas, monkeypatch)
    response = login(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), personas.alice).get(url("case_visits", pk=case.pk))
    assert response.context["form"] is None
    assert response.context["planning_closed"] == "no_longer"
    assert 'id="visit-planning-closed"' in response.content.decode()


def test_while_visits_may_be_planned_the_page_has_the_form_and_no_reason(personas: Personas) -> None:
    case = verifying(personas)
    response = login(Client(), personas.alice).get(url("case_visits", pk=case.pk))
    assert response.context["form"] is not None
    assert response.context["planning_closed"] is None
    assert 'id="visit-planning-closed"' not in response.content.decode()


def test_the_plan_page_links_the_organization_department_to_the_case_and_its_visits(personas: Personas) -> None:
    plan = sealed(personas)
    html = login(Client(), personas.alice).get(url("visit_detail", pk=plan.pk)).content.decode()
    assert f'href="{url("detail", pk=plan.case_id)}"' in html
    assert f'href="{url("case_visits", pk=plan.case_id)}"' in html
    assert f'href="{url("my_visits")}"' not in html  # alice is not on the team


def test_the_plan_page_links_the_inspector_only_to_pages_they_may_open(personas: Personas) -> None:
    plan = sealed(personas)
    client = login(Client(), personas.ivy)
    html = client.get(url("visit_detail", pk=plan.pk)).content.decode()
    # ivy may not read the case's staff pages nor its list of plans: the case is named, not linked.
    assert client.get(url("detail", pk=plan.case_id)).status_code == 404
    assert f'href="{url("detail", pk=plan.case_id)}"' not in html
    assert f'href="{url("case_visits", pk=plan.case_id)}"' not in html
    assert f'href="{url("my_visits")}"' in html


# --- dates that cannot be right ---------------------------------------------------------------------------


def sealed_later(personas: Personas) -> VisitPlan:
    """A sealed plan whose window opens in three days (as 12-01 to 12-20 did, planned in late November)."""
    return sealed(personas, opens_in=3)


def test_nothing_is_recorded_before_the_window_opens(personas: Personas) -> None:
    plan = sealed_later(personas)
    for observed_at in (None, timezone.now() - timedelta(days=1)):
        with pytest.raises(ValidationError) as raised:
            visit_services.visit_observation_add(
                actor=personas.ivy, plan=plan, text="10:35 工位无人", observed_at=observed_at
            )
        assert list(raised.value.message_dict) == ["observed_at"]
        assert plan.window_start.isoformat() in raised.value.message_dict["observed_at"][0]
    with pytest.raises(ValidationError) as raised:
        visit_services.visit_execute(actor=personas.ivy, plan=plan, verdict=VisitVerdict.IMPROVED)
    assert list(raised.value.message_dict) == ["verdict"]
    plan.refresh_from_db()
    assert not plan.observations.exists()
    assert not plan.is_executed


def test_an_observation_is_not_in_the_future_nor_before_the_first_day(personas: Personas) -> None:
    plan = sealed(personas)  # the window opens today

    def observe(observed_at: datetime) -> None:
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="工位无人", observed_at=observed_at)

    now = timezone.now()
    day_before = timezone.make_aware(datetime.combine(plan.window_start - timedelta(days=1), time(10, 35)))
    for wrong in (now + timedelta(days=1), now + timedelta(hours=1), day_before):
        with pytest.raises(ValidationError) as raised:
            observe(wrong)
        assert list(raised.value.message_dict) == ["observed_at"]
    # A phone a minute ahead of the server is not refused, nor the first minutes of the window.
    observe(now + timedelta(minutes=1))
    observe(min(now, timezone.make_aware(datetime.combine(plan.window_start, time(0, 5)))))
    assert plan.observations.count() == 2
    visit_services.visit_execute(actor=personas.ivy, plan=plan, verdict=VisitVerdict.IMPROVED)


def test_an_observation_written_up_later_keeps_the_time_it_was_made_inside_the_window(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = sealed(personas)
    later = timezone.make_aware(datetime.combine(plan.window_end + timedelta(days=3), time(9, 0)))
    monkeypatch.setattr(timezone, "now", lambda: later)  # the inspector types it up after the window closed

    def observe(day: date) -> None:
        at = timezone.make_aware(datetime.combine(day, time(10, 35)))
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="工位无人", observed_at=at)

    with pytest.raises(ValidationError) as raised:
        observe(plan.window_end + timedelta(days=1))
    assert list(raised.value.message_dict) == ["observed_at"]
    assert plan.window_end.isoformat() in raised.value.message_dict["observed_at"][0]
    observe(plan.window_end)
    assert plan.observations.count() == 1


def test_the_pages_refuse_a_record_before_the_window_and_keep_what_was_typed(personas: Personas) -> None:
    plan = sealed_later(personas)
    client = login(Client(), personas.ivy)
    observed = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("visit_observe", pk=plan.pk), {"observed_at": observed, "text": "10:35 观看网络视频"})
    assert response.status_code == 400
    form = response.context["observation_form"]
    assert plan.window_start.isoformat() in form.errors["observed_at"][0]
    assert form["text"].value() == "10:35 观看网络视频"
    assert "10:35 观看网络视频" in response.content.decode()
    response = client.post(url("visit_execute", pk=plan.pk), {"verdict": "worse", "note": "仍有脱岗现象"})
    assert response.status_code == 400
    form = response.context["execute_form"]
    assert "verdict" in form.errors
    assert form["note"].value() == "仍有脱岗现象"
    assert not plan.observations.exists()


def test_the_api_refuses_a_record_before_the_window(personas: Personas) -> None:
    plan = sealed_later(personas)
    token, _created = Token.objects.get_or_create(user=personas.ivy)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(f"/api/v1/visits/{plan.pk}/observations/", {"text": "10:35 在办公室"}, format="json")
    assert response.status_code == 400
    assert "before the visit window opens" in response.json()["observed_at"][0]
    response = api.post(f"/api/v1/visits/{plan.pk}/execute/", {"verdict": "improved"}, format="json")
    assert response.status_code == 400
    assert "before the visit window opens" in response.json()["verdict"][0]
