"""The organization department (alice) runs a round from the ballots to a published circular.

alice opens a round and prints the ballot codes; a colleague rates through a ballot link on a phone; the
other ballots and the self and leader ratings come in through the services. alice closes the round, runs
the identification, publishes the results, confirms the candidates in bulk with one determination note,
assigns the leader in charge and plans an unannounced visit with its team, drafts a circular that a second
organization-department member (amy) approves, publishes it and downloads its PDF.

Publishing the round's results turns its candidates into nominated cases (cases/rectification/nomination.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.rectification import period_services, talk_services
from cases.rectification.circular_models import Circular, CircularState
from cases.rectification.models import RectificationCase
from evaluations.models import EvaluationRound, Frequency, Grade, IdentifiedRating, Relation, RoundState
from evaluations.selectors import ballot_by_token
from evaluations.services import identified_rating_submit
from project.documents.models import Document, DocumentStatus
from project.org.models import Role
from project.org.services import role_grant
from tests.cases.rectification.states import record_talk
from tests.conftest import Org, Personas, make_user
from tests.documents.pdfs import page_texts
from tests.e2e.burden import record_burden
from tests.e2e.conftest import PHONE, Browsers, Session, t
from tests.evaluations.built_rounds import add_colleagues
from tests.evaluations.conftest import create_round, manifestation_ids, ratings_for
from tests.worker import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.e2e]

NOTE = "经民主测评和组织评定，确定为躺平式干部整治对象。"


def _rate_on_a_phone(session: Session, token: str, dora_id: int) -> None:
    """Fill one ballot by tapping: dora is seen doing all five things always, the others never."""
    lang = session.language
    page = session.page
    session.goto(f"/evaluations/ballot/{token}/")
    ballot = ballot_by_token(token)
    for subject in ballot.subjects:
        card = page.get_by_role("group", name=re.compile("^" + re.escape(subject.name)))
        value = Frequency.ALWAYS if subject.pk == dora_id else Frequency.NEVER
        frequency = f"{value.value} · {t(lang, Frequency(value).label)}"
        groups = card.get_by_role("group")
        for index in range(len(ballot.manifestations)):
            # the radio is drawn as a button-like label (Bootstrap's btn-check): a person taps the label
            groups.nth(index).get_by_text(frequency, exact=True).click()
        grade = Grade.INCOMPETENT if subject.pk == dora_id else Grade.COMPETENT
        card.get_by_text(t(lang, Grade(grade).label), exact=True).click()
    session.shot("ballot-phone")
    session.check_a11y("ballot-phone")
    page.get_by_role("button", name=t(lang, "Submit the ballot")).click()
    expect(page).to_have_url(re.compile(r"/evaluations/ballot/thanks/$"))


def _the_other_ratings(round: EvaluationRound, tokens: list[str], personas: Personas) -> None:
    """The ballots not used in the browser and the identified ratings, through the services."""
    from evaluations.services import ballot_submit

    dora = personas.dora_cadre.pk
    for token in tokens:
        subjects = [s.pk for s in ballot_by_token(token).subjects]
        ratings = [
            *ratings_for([sid for sid in subjects if sid == dora], round, value=4, grade=Grade.INCOMPETENT),
            *ratings_for([sid for sid in subjects if sid != dora], round, value=0, grade=Grade.COMPETENT),
        ]
        ballot_submit(token=token, ratings=ratings)
    items = manifestation_ids(round)
    for rating in IdentifiedRating.objects.filter(round=round).select_related("subject__user").order_by("pk"):
        actor = rating.subject.user if rating.relation == Relation.SELF else personas.leo
        if actor is None:
            continue  # dora has no account
        value = 4 if rating.subject_id == dora and rating.relation != Relation.SELF else 0
        grade = Grade.BASIC if value else Grade.COMPETENT
        data = ratings_for([rating.subject_id], round, value=value, grade=grade)[0]
        assert set(data.scores) == set(items)
        identified_rating_submit(actor=actor, rating=rating, data=data)


def _circular_documents(circular: Circular) -> list[Document]:
    return list(Document.objects.filter(object_type=circular._meta.label_lower, object_id=str(circular.pk)))


def test_the_organization_department_runs_a_round_to_a_published_circular(
    browsers: Browsers, org: Org, personas: Personas, pdf_worker: CeleryWorker, language: str
) -> None:
    lang = language
    amy = make_user("amy", "吴敏")  # the second person of the organization department, who approves
    role_grant(actor=None, user=amy, role=Role.ORG_ADMIN, unit=org.district_a)
    add_colleagues(org)
    round = create_round(personas.alice, org.district_a)

    # --- open the round: the ballot codes are shown once --------------------------------------------------
    alice = browsers.open("org")
    alice.login("alice")
    page = alice.page
    page.get_by_role("link", name=t(lang, "Evaluation rounds")).first.click()
    page.get_by_role("link", name=round.title).click()
    alice.check_a11y("round-draft")
    page.get_by_role("button", name=t(lang, "Open the round and print the ballots")).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(t(lang, "Ballot codes"))))).to_be_visible()
    alice.shot("ballot-codes")
    tokens = [code.strip() for code in page.get_by_role("code").all_inner_texts()]
    assert len(tokens) >= 7

    phone = browsers.open("colleague", viewport=PHONE)
    _rate_on_a_phone(phone, tokens[0], personas.dora_cadre.pk)
    _the_other_ratings(round, tokens[1:], personas)

    # --- close, identify ----------------------------------------------------------------------------------
    page.get_by_role("link", name=t(lang, "Back to the round")).click()
    page.get_by_role("button", name=t(lang, "Close the round")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t(lang, "The round is closed. Its ballots can no longer be used.")
    )
    round.refresh_from_db()
    assert round.state == RoundState.CLOSED
    page.get_by_role("link", name=t(lang, "Results"), exact=True).click()
    page.get_by_role("button", name=t(lang, "Identify the candidates")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t(lang, "The candidates are identified and the results are frozen.")
    )
    alice.shot("results")
    alice.check_a11y("results")
    # Publishing the results sends every candidate to the case list as a nominated case.
    results_nav = page.get_by_role("navigation", name=t(lang, "Results"), exact=True)
    results_nav.get_by_role("link", name=t(lang, "The round"), exact=True).click()
    page.get_by_role("button", name=t(lang, "Publish the results")).click()
    expect(page.get_by_role("status")).to_contain_text(t(lang, "The round's results are published."))
    cases = list(RectificationCase.objects.filter(round_id=round.pk).order_by("pk"))
    assert personas.dora_cadre.pk in {case.cadre_id for case in cases}

    # --- confirm the candidates in one bulk action with one note ---------------------------------------------
    burden = alice.start_task("bulk determination")
    burden.counting = True
    page.get_by_role("link", name=t(lang, "My work"), exact=True).click()
    # The main menu's link (the home page has a button of the same name in Chinese).
    page.get_by_role("navigation", name=t(lang, "Main")).get_by_role(
        "link", name=t(lang, "Rectification cases (整治)")
    ).click()
    for case in cases:
        page.get_by_label(t(lang, "choose case %(pk)s") % {"pk": case.pk}, exact=True).check()
    alice.type(page.get_by_label(t(lang, "determination note or reason")), NOTE)
    alice.shot("bulk")
    alice.check_a11y("case-list")
    page.get_by_role("button", name=t(lang, "Confirm the ticked cases")).click()
    expect(page.get_by_role("status")).to_contain_text(t(lang, "%(n)s cases confirmed.") % {"n": len(cases)})
    alice.stop_task()
    record_burden(burden, lang)
    assert len(burden.typed) == 1  # one note for every case
    assert all(RectificationCase.objects.get(pk=case.pk).determination_note == NOTE for case in cases)

    # --- the leader in charge and, once rectifying, an unannounced visit with its team -------------------------
    dora_case = next(case for case in cases if case.cadre_id == personas.dora_cadre.pk)
    page.get_by_role("link", name=str(dora_case.pk), exact=True).click()
    page.get_by_label(t(lang, "leader in charge (分管领导)")).select_option(label=f"{personas.leo} (leo)")
    page.get_by_role("button", name=t(lang, "Assign the leader in charge")).click()
    expect(page.get_by_role("status")).to_contain_text(t(lang, "The leader in charge was assigned; talks can begin."))
    alice.check_a11y("case")
    dora_case.refresh_from_db()
    assert dora_case.leader_id == personas.leo.pk
    # leo's part, which test_leader_journey walks through in the browser
    talk = record_talk(personas, dora_case)
    talk_services.talk_sign(actor=personas.leo, talk=talk)
    talk_services.plan_create(actor=personas.leo, case=dora_case, measures="一、按周报送台账；二、参加专题培训。")
    period_services.case_start_rectifying(actor=personas.leo, case=dora_case)
    page.reload()
    page.get_by_role("link", name=t(lang, "Unannounced visits (暗访)"), exact=True).click()
    page.get_by_label(personas.ivy.display_name, exact=True).check()
    today = timezone.localdate()
    alice.type(page.get_by_label(t(lang, "window from")), (today + timedelta(days=7)).isoformat())
    alice.type(page.get_by_label(t(lang, "window until")), (today + timedelta(days=30)).isoformat())
    alice.type(page.get_by_label(t(lang, "method (暗访方式)")), "工作日上午随机到岗查看，不打招呼")
    alice.check_a11y("visit-plan")
    page.get_by_role("button", name=t(lang, "Plan"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(t(lang, "The visit was planned. Seal it to draw its date."))

    # --- a circular drafted by alice, approved by amy, published, downloaded -----------------------------------
    circular_task = alice.start_task("circular")
    circular_task.counting = True
    page.get_by_role("link", name=t(lang, "Circulars (通报)"), exact=True).click()
    page.get_by_role("link", name=t(lang, "Draft a circular"), exact=True).click()
    # The case named fills in the title (its cadre and unit) and the facts (the round's findings).
    page.get_by_label(t(lang, "Start from a case")).select_option(value=str(dora_case.pk))
    page.get_by_role("button", name=t(lang, "Fill in from this case")).click()
    form = page.locator("form").filter(has=page.get_by_role("button", name=t(lang, "Save the draft"), exact=True))
    alice.count_prefilled(form)
    expect(page.get_by_label(t(lang, "title (关于…的通报)"))).to_have_value(re.compile("刘芳"))
    page.get_by_label(t(lang, "issuing unit")).select_option(label=str(org.district_a))
    fields = {
        "issuing body (发文机关)": "中共东城区委组织部",
        "issuer code (发文字号代字), e.g. 东组通": "东组通",
        "addressees (主送)": "区直各单位党组（党委）",
        "handling decision and basis (处理决定及依据)": "依据有关规定，对其进行诫勉谈话。",
        "nature and harm (性质和危害)": "损害干部队伍形象，影响工作落实。",
        "requirements (引以为戒)": "各单位要引以为戒，切实改进作风。",
    }
    for label, value in fields.items():
        alice.type(page.get_by_label(t(lang, label)), value)
    alice.check_a11y("circular-form")
    page.get_by_role("button", name=t(lang, "Save the draft"), exact=True).click()
    page.get_by_role("button", name=t(lang, "Submit for approval"), exact=True).click()
    alice.stop_task()
    record_burden(circular_task, lang)
    assert not any("刘芳" in value for value in circular_task.typed)  # the name is typed nowhere
    circular = Circular.objects.get(cases=dora_case)
    assert circular.state == CircularState.SUBMITTED
    assert "刘芳" in circular.title
    assert circular.facts

    second = browsers.open("second-org-admin")
    second.login("amy")
    second.goto(f"/cases/rectification/circulars/{circular.pk}/")
    second.check_keyboard(second.page.get_by_role("button", name=t(lang, "Approve"), exact=True))
    second.page.get_by_role("button", name=t(lang, "Approve"), exact=True).click()
    page.reload()
    page.get_by_role("button", name=t(lang, "Publish with a number"), exact=True).click()
    circular.refresh_from_db()
    assert circular.state == CircularState.PUBLISHED
    assert circular.approver_id == amy.pk != circular.drafter_id

    def rendered() -> bool:
        documents = _circular_documents(circular)
        return bool(documents) and all(d.status == DocumentStatus.RENDERED for d in documents)

    wait_for(rendered, timeout=90, what=f"the circular PDF\n{pdf_worker.log_tail()}")
    page.reload()
    alice.shot("circular")
    alice.check_a11y("circular")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t(lang, "Download the circular (PDF)")).click()
    text = "\n".join(page_texts(download_info.value.path().read_bytes()))
    assert "刘芳" in text
    assert circular.number.replace(" ", "") in text.replace(" ", "").replace("\n", "")
