"""The case pages: anonymous → login, outsider → 404, visible but not allowed → 403, wrong method → 405,
wrong state → 409, the happy paths, the buttons each person gets, and pinned query counts."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases.rectification import selectors, services, talk_services
from cases.rectification.models import CaseState, RectificationCase, Talk
from project.audit.models import AuditEvent
from project.org.models import Role, User
from tests.cases.rectification.states import (
    DETERMINATION,
    PEER_COMMENT,
    confirmed,
    more_staff,
    nominated,
    ready_to_rectify,
    record_talk,
    rectifying,
    roster,
    signed,
    talking,
    verifying,
)
from tests.conftest import Org, Personas

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"cases:rectification:{name}", kwargs=kwargs or None)


def case_url(name: str, case: RectificationCase, **kwargs: Any) -> str:
    return url(name, pk=case.pk, **kwargs)


def talk_post(personas: Personas, **extra: Any) -> dict[str, Any]:
    held = timezone.localtime() - timedelta(hours=1)
    data = {
        "kind": "reminder",
        "held_at": held.strftime("%Y-%m-%dT%H:%M"),
        "place": "局三楼小会议室",
        "recorder": personas.dora_cadre.pk,
        "purpose": "测评反映推诿扯皮",
        "content": "提醒其改进作风。",
        "statement": "虚心接受。",
        "commitments-TOTAL_FORMS": "3",
        "commitments-INITIAL_FORMS": "0",
        "commitments-MIN_NUM_FORMS": "0",
        "commitments-MAX_NUM_FORMS": "20",
        "commitments-0-text": "每周一报送周计划",
        "commitments-0-deadline": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "commitments-1-text": "",
        "commitments-1-deadline": "",
    }
    data.update(extra)
    return data


# --- the usual five for every page --------------------------------------------------------------------


CASE_PAGES = ["detail", "plan", "care", "talk_create"]


@pytest.mark.parametrize(
    "page_url",
    [
        lambda c, t: case_url("detail", c),
        lambda c, t: case_url("plan", c),
        lambda c, t: case_url("care", c),
        lambda c, t: case_url("talk_create", c),
        lambda c, t: url("talk_detail", pk=t.pk),
        lambda c, t: url("list"),
        lambda c, t: url("open"),
        lambda c, t: url("my_talks"),
        lambda c, t: url("own_list"),
        lambda c, t: case_url("own_detail", c),
        lambda c, t: url("acknowledge", pk=t.pk),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client: Client, personas: Personas, page_url: Any) -> None:
    case, talk = signed(personas)
    response = client.get(page_url(case, talk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", CASE_PAGES)
def test_an_outsider_gets_404_as_if_the_case_did_not_exist(client: Client, personas: Personas, page: str) -> None:
    case = talking(personas)
    assert login(client, personas.oscar).get(case_url(page, case)).status_code == 404
    missing = client.get(reverse(f"cases:rectification:{page}", kwargs={"pk": case.pk + 999}))
    assert missing.status_code == 404


def test_an_outsider_gets_404_on_talks_steps_and_the_cadres_pages(client: Client, personas: Personas) -> None:
    case, talk = signed(personas)
    login(client, personas.oscar)
    assert client.get(url("talk_detail", pk=talk.pk)).status_code == 404
    assert client.post(url("talk_sign", pk=talk.pk)).status_code == 404
    assert client.post(case_url("action", case, action="withdraw"), {"reason": "retired"}).status_code == 404
    assert client.get(case_url("own_detail", case)).status_code == 404
    assert client.get(url("acknowledge", pk=talk.pk)).status_code == 404
    assert client.post(url("bulk"), {"case": [case.pk], "action": "confirm", "text": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["ivy", "rita", "carl"])
def test_people_without_a_part_in_the_case_get_404(client: Client, personas: Personas, who: str) -> None:
    case = talking(personas)
    assert login(client, getattr(personas, who)).get(case_url("detail", case)).status_code == 404


def test_the_auditor_reads_but_may_not_act(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    login(client, personas.audrey)
    assert client.get(case_url("detail", case)).status_code == 200
    assert client.post(case_url("action", case, action="confirm"), {"note": DETERMINATION}).status_code == 403
    assert client.get(url("open")).status_code == 403


def test_the_leader_may_not_determine_and_only_the_leader_records_talks(client: Client, personas: Personas) -> None:
    case = talking(personas)
    assert (
        login(client, personas.leo).post(case_url("action", case, action="withdraw"), {"reason": "retired"}).status_code
        == 403
    )
    assert login(client, personas.alice).get(case_url("talk_create", case)).status_code == 403


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "action"), ("get", "bulk"), ("get", "talk_sign"), ("post", "my_talks"), ("delete", "detail")],
)
def test_wrong_methods_are_refused(client: Client, personas: Personas, method: str, name: str) -> None:
    case, talk = signed(personas)
    login(client, personas.alice)
    kwargs: dict[str, Any] = {
        "action": {"pk": case.pk, "action": "confirm"},
        "bulk": {},
        "talk_sign": {"pk": talk.pk},
        "my_talks": {},
        "detail": {"pk": case.pk},
    }[name]
    assert getattr(client, method)(url(name, **kwargs)).status_code == 405


def test_a_step_in_the_wrong_state_answers_409_with_a_message(client: Client, personas: Personas) -> None:
    case = talking(personas)
    response = login(client, personas.alice).post(case_url("action", case, action="confirm"), {"note": DETERMINATION})
    assert response.status_code == 409
    assert f"#{case.pk}" in response.content.decode()


def test_an_unknown_step_answers_404(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    assert login(client, personas.alice).post(case_url("action", case, action="promote")).status_code == 404


# --- happy paths ----------------------------------------------------------------------------------------


def test_the_organization_department_confirms_from_the_case_page(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    response = login(client, personas.alice).post(case_url("action", case, action="confirm"), {"note": DETERMINATION})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CONFIRMED


def test_a_missing_note_shows_the_form_again(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    response = login(client, personas.alice).post(case_url("action", case, action="confirm"), {"note": ""})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.NOMINATED


def test_the_leader_is_chosen_from_eligible_leaders(client: Client, personas: Personas) -> None:
    case = services.case_confirm(actor=personas.alice, case=nominated(personas), note=DETERMINATION)
    login(client, personas.alice)
    page = client.get(case_url("detail", case)).content.decode()
    assert f'value="{personas.leo.pk}"' in page
    assert f'value="{personas.ivy.pk}"' not in page
    response = client.post(case_url("action", case, action="assign_leader"), {"leader": personas.ivy.pk})
    assert response.status_code == 400
    response = client.post(case_url("action", case, action="assign_leader"), {"leader": personas.leo.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.leader == personas.leo


def test_without_an_eligible_leader_the_case_page_says_why_instead_of_an_empty_choice(
    client: Client, personas: Personas
) -> None:
    case = services.case_confirm(actor=personas.alice, case=nominated(personas), note=DETERMINATION)
    User.objects.filter(pk=personas.leo.pk).update(is_active=False)  # the only leader over the cadre's unit
    page = login(client, personas.alice).get(case_url("detail", case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No one can be assigned as leader in charge yet" in page
    assert case.unit.name in page
    assert 'name="leader"' not in page


def test_the_leader_records_a_talk_with_its_commitments_then_signs_it(client: Client, personas: Personas) -> None:
    case = talking(personas)
    login(client, personas.leo)
    form = client.get(case_url("talk_create", case)).content.decode()
    assert "刘芳" in form
    assert "黄蓓" not in form  # a cadre of another district is not offered as recorder
    response = client.post(case_url("talk_create", case), talk_post(personas))
    assert response.status_code == 302
    talk = Talk.objects.get(case=case)
    assert (talk.kind, talk.recorder_name, talk.talker_name) == ("reminder", "刘芳", "李强")
    assert list(talk.commitments.values_list("text", flat=True)) == ["每周一报送周计划"]
    assert client.post(url("talk_sign", pk=talk.pk)).status_code == 302
    talk.refresh_from_db()
    assert talk.is_signed


def test_the_same_talk_form_sent_twice_stores_one_record_and_shows_it(client: Client, personas: Personas) -> None:
    # The Back button after "save and sign" shows the filled form again; sending it again must not add a second,
    # unchangeable signed record.
    case = talking(personas)
    login(client, personas.leo)
    data = talk_post(personas, sign="1")
    first = client.post(case_url("talk_create", case), data)
    talk = Talk.objects.get(case=case)
    assert first.status_code == 302
    assert talk.is_signed
    again = client.post(case_url("talk_create", case), data, follow=True)
    assert Talk.objects.filter(case=case).count() == 1
    assert again.redirect_chain == [(url("talk_detail", pk=talk.pk), 302)]
    with translation.override("zh-hans"):  # the site's language, which the client does not change
        said = translation.gettext("This talk was already recorded; the form was sent twice. Here is the record.")
    assert said in again.content.decode()


def test_an_edit_after_signing_answers_409(client: Client, personas: Personas) -> None:
    _case, talk = signed(personas)
    login(client, personas.leo)
    page = client.get(url("talk_detail", pk=talk.pk)).content.decode()
    assert url("talk_sign", pk=talk.pk) not in page
    response = client.post(url("talk_detail", pk=talk.pk), talk_post(personas, place="别处"))
    assert response.status_code == 409
    assert client.post(url("talk_sign", pk=talk.pk)).status_code == 409
    talk.refresh_from_db()
    assert talk.place == "局三楼小会议室"


def test_the_talker_corrects_an_unsigned_record(client: Client, personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    login(client, personas.leo)
    assert url("talk_sign", pk=talk.pk) in client.get(url("talk_detail", pk=talk.pk)).content.decode()
    assert client.post(url("talk_detail", pk=talk.pk), talk_post(personas, place="局长办公室")).status_code == 302
    talk.refresh_from_db()
    assert talk.place == "局长办公室"
    assert login(client, personas.alice).post(url("talk_detail", pk=talk.pk), talk_post(personas)).status_code == 403


def test_the_cadre_acknowledges_from_their_own_page(client: Client, personas: Personas) -> None:
    case, talk = signed(personas)
    login(client, personas.carl)
    own = client.get(case_url("own_detail", case)).content.decode()
    assert url("acknowledge", pk=talk.pk) in own
    assert url("acknowledge", pk=talk.pk) in client.get(url("own_list")).content.decode()
    assert client.post(url("acknowledge", pk=talk.pk), {"dissent": ""}).status_code == 302
    talk.refresh_from_db()
    assert talk.acknowledgement == "acknowledged"
    assert client.post(url("acknowledge", pk=talk.pk), {"dissent": "异议"}).status_code == 409


def test_the_cadre_records_dissent_from_the_page(client: Client, personas: Personas) -> None:
    _case, talk = signed(personas)
    login(client, personas.carl).post(url("acknowledge", pk=talk.pk), {"dissent": "不同意“推诿”的说法"})
    talk.refresh_from_db()
    assert (talk.acknowledgement, talk.dissent) == ("dissent", "不同意“推诿”的说法")


def test_the_cadre_never_sees_an_unsigned_record(client: Client, personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    assert login(client, personas.carl).get(url("acknowledge", pk=talk.pk)).status_code == 404


def test_plan_care_and_the_start_of_the_period_from_the_pages(client: Client, personas: Personas) -> None:
    case, _talk = signed(personas)
    login(client, personas.leo)
    assert client.post(case_url("plan", case), {"measures": "按周报送台账", "period_months": "4"}).status_code == 302
    response = client.post(
        case_url("care", case), {"kind": "training", "description": "参加作风建设专题培训", "on": "2026-03-01"}
    )
    assert response.status_code == 302
    assert "参加作风建设专题培训" in client.get(case_url("care", case)).content.decode()
    assert client.post(case_url("action", case, action="start_rectifying")).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RECTIFYING
    assert (case.period_end.year * 12 + case.period_end.month) - (  # type: ignore[union-attr]
        case.period_start.year * 12 + case.period_start.month  # type: ignore[union-attr]
    ) == 4


def test_starting_the_period_without_a_plan_answers_409(client: Client, personas: Personas) -> None:
    case, _talk = signed(personas)
    assert login(client, personas.leo).post(case_url("action", case, action="start_rectifying")).status_code == 409


def test_commitments_are_added_and_checked_off(client: Client, personas: Personas) -> None:
    case = talking(personas)
    login(client, personas.leo)
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(case_url("commitment_add", case), {"text": "清理积压件", "deadline": deadline})
    assert response.status_code == 302
    commitment = case.commitments.get()
    assert client.post(url("commitment_done", pk=commitment.pk)).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done"
    assert login(client, personas.oscar).post(url("commitment_done", pk=commitment.pk)).status_code == 404


def test_the_organization_department_opens_a_case_by_hand(client: Client, personas: Personas) -> None:
    login(client, personas.alice)
    form = client.get(url("open")).content.decode()
    assert "刘芳" in form
    assert "黄蓓" not in form
    response = client.post(
        url("open"), {"cadre": personas.dora_cadre.pk, "reason": "群众反映长期不在岗", "manifestations": ["M2"]}
    )
    assert response.status_code == 302
    case = RectificationCase.objects.get(cadre=personas.dora_cadre)
    assert (case.state, case.manifestations) == (CaseState.NOMINATED, ["M2"])


# --- the list and bulk determination ---------------------------------------------------------------------


def test_the_list_bulk_confirms_the_ticked_cases(client: Client, personas: Personas) -> None:
    ids = [nominated(personas, cadre=cadre).pk for cadre in roster(personas.carl_cadre.unit, 3, "V")]
    login(client, personas.alice)
    page = client.get(url("list")).content.decode()
    for pk in ids:
        assert f'name="case" value="{pk}"' in page
    response = client.post(url("bulk"), {"case": ids, "action": "confirm", "text": DETERMINATION})
    assert response.status_code == 302
    assert set(RectificationCase.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"confirmed"}


def test_a_bulk_action_with_a_case_of_another_district_answers_404(client: Client, personas: Personas) -> None:
    ours = nominated(personas)
    theirs = nominated(personas, cadre=personas.bella_cadre)
    response = login(client, personas.alice).post(
        url("bulk"), {"case": [ours.pk, theirs.pk], "action": "dismiss", "text": "理由"}
    )
    assert response.status_code == 404
    ours.refresh_from_db()
    assert ours.state == CaseState.NOMINATED


def test_a_bulk_action_on_a_case_not_nominated_answers_409(client: Client, personas: Personas) -> None:
    case = talking(personas)
    response = login(client, personas.alice).post(url("bulk"), {"case": [case.pk], "action": "confirm", "text": "x"})
    assert response.status_code == 409


def test_a_refused_bulk_action_returns_to_the_filtered_list_with_the_ticks_and_text_kept(
    client: Client, personas: Personas
) -> None:
    case = nominated(personas)
    login(client, personas.alice)
    filters = "state=nominated&sort=cadre"
    list_url = f"{url('list')}?{filters}"
    page = client.get(list_url).content.decode()
    assert f'name="filters" value="{html.escape(filters)}"' in page
    # Nothing ticked: the typed note comes back, and the list keeps its filters.
    response = client.post(
        url("bulk"), {"action": "confirm", "text": "经研究确定", "filters": filters}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (response.status_code, response.headers["Location"]) == (302, list_url)
    page = client.get(list_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing was recorded" in page
    assert "Tick at least one case." in page
    assert "经研究确定</textarea>" in page
    # However long, the note comes back whole.
    long_note = "经研究确定" * 500
    client.post(url("bulk"), {"action": "confirm", "text": long_note, "filters": filters})
    assert f"{long_note}</textarea>" in client.get(list_url).content.decode()
    # Ticked but no note: the tick comes back.
    client.post(url("bulk"), {"case": [case.pk], "action": "confirm", "text": "", "filters": filters})
    page = client.get(list_url).content.decode()
    assert f'name="case" value="{case.pk}" id="case-{case.pk}" checked' in page
    case.refresh_from_db()
    assert case.state == CaseState.NOMINATED
    # Shown once: the next visit is a fresh list.
    assert "checked" not in client.get(list_url).content.decode().split('id="bulk-form"')[1].split("</table>")[0]
    # The filters only ever make a query string of the list.
    response = client.post(url("bulk"), {"action": "confirm", "text": "x", "filters": "//evil.example/?a=1"})
    assert response.headers["Location"].startswith(url("list") + "?")


def test_the_auditor_may_not_bulk_confirm(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    login(client, personas.audrey)
    assert 'name="case"' not in client.get(url("list")).content.decode()
    response = client.post(url("bulk"), {"case": [case.pk], "action": "confirm", "text": DETERMINATION})
    assert response.status_code == 403


def test_the_list_filters_by_state_manifestation_unit_and_overdue(client: Client, personas: Personas) -> None:
    theirs = talking(personas)  # carl, M3, a commitment due in 30 days
    other = services.case_open_manually(
        actor=personas.alice, cadre=personas.dora_cadre, reason="来信", manifestations=["M1"]
    )
    login(client, personas.alice)

    def listed(**query: Any) -> set[int]:
        response = client.get(url("list"), query)
        return {case["pk"] for case in response.context["page"]}

    assert listed() == {theirs.pk, other.pk}
    assert listed(state="nominated") == {other.pk}
    assert listed(manifestation="M3") == {theirs.pk}
    assert listed(manifestation="M1") == {other.pk}
    assert listed(unit=personas.carl_cadre.unit.pk) == {theirs.pk, other.pk}
    assert listed(unit=personas.leo.cadre.unit.parent.pk, state="talking") == {theirs.pk}
    assert listed(overdue="on") == set()
    record_talk(
        personas, theirs, deadline=timezone.localdate() - timedelta(days=1), held_at=timezone.now() - timedelta(days=3)
    )
    assert listed(overdue="on") == {theirs.pk}


def test_the_list_says_whether_the_period_or_a_commitment_is_overdue(client: Client, personas: Personas) -> None:
    late_commitment = talking(personas)
    record_talk(
        personas,
        late_commitment,
        deadline=timezone.localdate() - timedelta(days=1),
        held_at=timezone.now() - timedelta(days=3),
    )
    period_over = rectifying(personas, cadre=personas.dora_cadre)
    RectificationCase.objects.filter(pk=period_over.pk).update(period_end=timezone.localdate() - timedelta(days=1))
    login(client, personas.alice)
    rows = {row.pk: row for row in client.get(url("list"), HTTP_ACCEPT_LANGUAGE="en").context["rows"]}
    assert (rows[str(late_commitment.pk)].overdue, rows[str(late_commitment.pk)].period_over) == (True, False)
    assert (rows[str(period_over.pk)].overdue, rows[str(period_over.pk)].period_over) == (True, True)
    page = client.get(url("list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("commitment overdue (承诺逾期)") == 1
    assert page.count("period over (逾期)") == 1


def test_the_list_sorts(client: Client, personas: Personas) -> None:
    first = nominated(personas)
    second = nominated(personas, cadre=personas.dora_cadre)
    login(client, personas.alice)
    newest = [c["pk"] for c in client.get(url("list")).context["page"]]
    oldest = [c["pk"] for c in client.get(url("list"), {"sort": "oldest"}).context["page"]]
    assert newest == [second.pk, first.pk]
    assert oldest == [first.pk, second.pk]


def test_the_list_query_count_is_the_same_for_10_and_50_rows(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    for cadre in roster(personas.carl_cadre.unit, 60, "Q"):
        case = services.case_confirm(actor=personas.alice, case=nominated(personas, cadre=cadre), note=DETERMINATION)
        services.case_assign_leader(actor=personas.alice, case=case, leader=personas.leo)
    login(client, personas.alice)
    # session, user, grants, the count, the filter's units, the page (cadre, unit, leader joined)
    counts = []
    for size in (10, 50):
        with django_assert_num_queries(6) as captured:
            response = client.get(url("list"), {"size": size, "state": "talking"})
        assert len(response.context["page"]) == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- the case page: buttons, evidence, timeline ---------------------------------------------------------


def test_each_person_gets_only_the_buttons_they_may_use(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    confirm_url = case_url("action", case, action="confirm")
    assert confirm_url in login(client, personas.alice).get(case_url("detail", case)).content.decode()
    assert confirm_url not in login(client, personas.audrey).get(case_url("detail", case)).content.decode()
    case = talking(personas, cadre=personas.dora_cadre)
    leo_page = login(client, personas.leo).get(case_url("detail", case)).content.decode()
    assert case_url("talk_create", case) in leo_page
    assert case_url("action", case, action="withdraw") not in leo_page
    alice_page = login(client, personas.alice).get(case_url("detail", case)).content.decode()
    assert case_url("talk_create", case) not in alice_page
    assert case_url("action", case, action="withdraw") in alice_page


def test_no_close_button_while_no_visit_has_a_verdict(client: Client, personas: Personas) -> None:
    case = verifying(personas)
    page = login(client, personas.alice).get(case_url("detail", case)).content.decode()
    assert case_url("action", case, action="close_rectified") not in page
    assert case_url("action", case, action="escalate") not in page
    assert client.post(case_url("action", case, action="close_rectified")).status_code == 409


def test_peer_comments_are_shown_to_the_organization_department_only(client: Client, personas: Personas) -> None:
    case = talking(personas)
    assert PEER_COMMENT in login(client, personas.alice).get(case_url("detail", case)).content.decode()
    for person in (personas.audrey, personas.leo):
        page = login(client, person).get(case_url("detail", case)).content.decode()
        assert PEER_COMMENT not in page
        assert "2.41" in page  # the scores are there


def test_the_cadres_page_never_shows_evidence_raters_or_comments(client: Client, personas: Personas) -> None:
    case, _talk = signed(personas)
    page = login(client, personas.carl).get(case_url("own_detail", case)).content.decode()
    assert "每周报送工作台账" in page  # their commitments
    for hidden in (PEER_COMMENT, "2.41", "unfavourable_share", "综合指数", DETERMINATION):
        assert hidden not in page


def timeline_of(page: str) -> str:
    start = page.index('id="timeline"')
    return page[start : page.index("</section>", start)]


def test_the_case_page_shows_the_timeline_with_the_talks_and_logs_the_read(client: Client, personas: Personas) -> None:
    case, talk = signed(personas)
    page = login(client, personas.audrey).get(case_url("detail", case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = timeline_of(page)
    assert f"signed the talk record #{talk.pk}" in timeline
    assert "confirmed as a rectification target (from nominated (待组织评定) to confirmed target" in timeline
    assert AuditEvent.objects.for_object(case).filter(action="read", actor=personas.audrey).exists()
    assert "viewed" not in page  # reads are not steps


def test_the_timeline_says_who_acted_in_the_readers_language_when_it_was_the_system(
    client: Client, personas: Personas
) -> None:
    case = nominated(personas)  # nominated by the round's identification: no account acted
    login(client, personas.alice)
    chinese = timeline_of(client.get(case_url("detail", case), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    english = timeline_of(client.get(case_url("detail", case), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "· 系统 ·" in chinese
    assert "system" not in chinese
    assert "· the system ·" in english
    assert AuditEvent.objects.filter(action="case.nominate", actor_label="system").exists()  # the chain's text


def test_a_chinese_reader_sees_the_timeline_in_chinese_not_the_stored_summaries(
    client: Client, personas: Personas
) -> None:
    case, talk = signed(personas)
    page = login(client, personas.audrey).get(case_url("detail", case), HTTP_ACCEPT_LANGUAGE="zh-hans")
    timeline = timeline_of(page.content.decode())
    assert f"签署谈话记录 #{talk.pk}" in timeline
    assert "确定为重点整治对象（从“待组织评定”到“确定为重点整治对象”）" in timeline
    # The stored English summaries are still what the chain holds, but not what the page says.
    assert AuditEvent.objects.filter(action="talk.sign", summary__startswith="signed talk").exists()
    assert f"confirmed case #{case.pk}" not in timeline
    assert "signed" not in timeline


# session, user, grants, the case, the read's audit event (savepoint, last hash, insert, release), the
# start_rectifying guard (signed talk, plan, commitment), talks + their commitments, commitments, plans,
# care measures, the talk ids and the timeline.
# (PostgreSQL adds the audit chain's advisory lock.)
DETAIL_QUERIES = 18


def detail_queries() -> int:
    return DETAIL_QUERIES + (1 if connection.vendor == "postgresql" else 0)


def test_the_case_page_query_count_does_not_grow_with_its_talks(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    case = ready_to_rectify(personas)
    login(client, personas.alice)
    with django_assert_num_queries(detail_queries()):
        client.get(case_url("detail", case))
    for _ in range(5):
        talk_services.talk_sign(actor=personas.leo, talk=record_talk(personas, case))
    with django_assert_num_queries(detail_queries()):
        client.get(case_url("detail", case))


def test_the_page_of_a_case_awaiting_its_leader_costs_the_same_queries_for_one_candidate_or_five(
    client: Client, org: Org, personas: Personas, django_assert_num_queries: Any
) -> None:
    case = confirmed(personas)
    login(client, personas.alice)
    client.get(case_url("detail", case))  # warm
    with CaptureQueriesContext(connection) as one:
        client.get(case_url("detail", case))
    more_staff(Role.LEADER, org.bureau, 4)
    assert len(selectors.leader_candidates(case)) == 5
    with django_assert_num_queries(len(one)):
        page = client.get(case_url("detail", case))
    assert "员工3" in page.content.decode()  # the candidates are offered


def test_the_leaders_page_lists_talks_due_and_records_to_sign(client: Client, personas: Personas) -> None:
    due = talking(personas)
    draft_case = talking(personas, cadre=personas.dora_cadre)
    draft = record_talk(personas, draft_case, recorder=personas.carl_cadre)
    page = login(client, personas.leo).get(url("my_talks")).content.decode()
    assert case_url("talk_create", due) in page
    assert url("talk_detail", pk=draft.pk) in page
    assert "陈刚" in page
    assert login(client, personas.alice).get(url("my_talks")).status_code == 200


@pytest.mark.parametrize(
    ("who", "name", "target", "queries"),
    [
        ("leo", "my_talks", None, 5),
        ("carl", "own_list", None, 5),
        ("carl", "own_detail", "case", 8),
        ("carl", "acknowledge", "talk", 5),
        ("leo", "talk_detail", "talk", 6),
        ("leo", "plan", "case", 8),
        ("leo", "care", "case", 7),
        ("leo", "talk_create", "case", 5),
        ("alice", "open", None, 4),
    ],
)
def test_page_query_counts_are_pinned(
    client: Client, personas: Personas, django_assert_num_queries: Any, who: str, name: str, target: str | None,
    queries: int,
) -> None:  # fmt: skip
    case, talk = signed(personas)
    other = talking(personas, cadre=personas.dora_cadre)
    record_talk(personas, other)
    record_talk(personas, case)
    kwargs = {"pk": {"case": case, "talk": talk}[target].pk} if target else {}
    login(client, getattr(personas, who))
    with django_assert_num_queries(queries):
        assert client.get(url(name, **kwargs)).status_code == 200
