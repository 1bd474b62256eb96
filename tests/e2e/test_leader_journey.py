"""The leader in charge (leo) records and signs a talk; the cadre (carl) acknowledges it; the PDF names them.

Targets (docs/BURDEN.md): a talk record takes at most 6 typed fields and at most 4 page loads from login.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.rectification.models import Talk
from cases.rectification.selectors import talk_documents
from project.documents.models import DocumentStatus
from tests.cases.rectification.states import talking
from tests.conftest import Personas
from tests.documents.pdfs import page_texts
from tests.e2e.burden import record_burden
from tests.e2e.conftest import Browsers, t
from tests.worker import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.e2e]

MAX_TYPED = 6
MAX_PAGE_LOADS = 4
ENGLISH_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d|\b[ap]\.m\.")


def _rendered(talk: Talk, count: int) -> bool:
    return sum(document.status == DocumentStatus.RENDERED for document in talk_documents(talk)) >= count


def test_a_leader_records_and_signs_a_talk_that_the_cadre_acknowledges(
    browsers: Browsers, personas: Personas, pdf_worker: CeleryWorker, language: str
) -> None:
    case = talking(personas)  # confirmed by alice, leo assigned as leader in charge
    lang = language

    # --- leo: from the login page to a signed record --------------------------------------------------------
    leo = browsers.open("leader")
    burden = leo.start_task("talk record")
    leo.login("leo")
    page = leo.page
    leo.check_a11y("home")
    page.get_by_role("link", name=t(lang, "My talks"), exact=True).first.click()
    due = page.get_by_role("listitem").filter(has_text="陈刚")
    expect(due).to_be_visible()
    leo.shot("my-talks")
    due.get_by_role("link", name=t(lang, "Record a talk")).click()

    form = page.locator("form").filter(has=page.get_by_role("button", name=t(lang, "Save the record")))
    leo.count_prefilled(form)
    leo.check_a11y("talk-form")
    leo.check_keyboard(page.get_by_role("button", name=t(lang, "Save the record")))
    page.get_by_label(t(lang, "kind of talk")).select_option(label=t(lang, "heart-to-heart talk (谈心谈话)"))
    page.get_by_label(t(lang, "recorder (记录人)")).select_option(label="刘芳 · 综合科 · 科员")
    leo.type(page.get_by_label(t(lang, "place (地点)")), "局三楼小会议室")
    leo.type(page.get_by_label(t(lang, "reason for the talk (事由)")), "民主测评反映工作推诿、得过且过")
    leo.type(page.get_by_label(t(lang, "main content (主要内容)")), "指出存在的问题，听取本人意见，提出整改要求。")
    leo.type(page.get_by_label(t(lang, "the cadre's statement (本人表态)")), "接受组织批评，认真整改。")
    commitments = page.get_by_role("group", name=t(lang, "Follow-up commitments and deadlines (后续措施及期限)"))
    leo.type(commitments.get_by_label(t(lang, "commitment")).first, "每周报送工作台账")
    deadline = timezone.localdate() + timedelta(days=30)
    leo.type(commitments.get_by_label(t(lang, "deadline")).first, deadline.isoformat())
    leo.shot("talk-form")
    page.get_by_role("button", name=t(lang, "Save and sign the record")).click()

    expect(page.get_by_role("heading", name=t(lang, "Talk record (谈话记录)"))).to_be_visible()
    signed = t(lang, "Recorded and signed. The record is final; the cadre is asked to acknowledge it.")
    expect(page.get_by_role("status").filter(has_text=signed)).to_be_visible()
    leo.stop_task()
    leo.shot("talk-signed")
    leo.check_a11y("talk-signed")
    talk = Talk.objects.get(case=case)
    assert talk.is_signed
    assert talk.place == "局三楼小会议室"
    assert talk.recorder_name == "刘芳"
    # Dates as the time zone of the site (Asia/Shanghai) reads them, in the numeric form of Chinese documents
    held = timezone.localtime(talk.held_at).strftime("%Y-%m-%d %H:%M")
    expect(page.get_by_role("row", name=re.compile("^" + re.escape(t(lang, "time (时间)")) + " "))).to_contain_text(
        held
    )
    if lang == "zh-hans":
        assert not ENGLISH_DATE.search(page.get_by_role("main").inner_text()), "an English date on a Chinese page"

    record_burden(burden, lang)
    assert len(burden.typed) <= MAX_TYPED, burden.typed
    assert burden.navigations <= MAX_PAGE_LOADS, f"{burden.navigations} page loads from login"
    assert burden.prefilled >= 1  # the time of the talk is filled in for the leader
    assert len(set(burden.typed)) == len(burden.typed), "a fact was typed twice"

    # --- carl acknowledges ---------------------------------------------------------------------------------
    carl = browsers.open("cadre")
    carl.login("carl")
    carl.page.get_by_role("link", name=t(lang, "My rectification")).click()
    talk_kind = re.compile(re.escape(t(lang, "heart-to-heart talk (谈心谈话)")), re.IGNORECASE)
    carl.page.get_by_role("link", name=talk_kind).first.click()
    expect(carl.page.get_by_text("局三楼小会议室")).to_be_visible()
    carl.check_a11y("acknowledge")
    carl.shot("acknowledge")
    carl.page.get_by_role("button", name=t(lang, "Send my answer")).click()
    expect(carl.page.get_by_role("status").filter(has_text=t(lang, "Your answer was recorded."))).to_be_visible()
    talk.refresh_from_db()
    assert talk.acknowledgement == "acknowledged"

    # --- the record as PDF, once the worker has rendered the acknowledged version --------------------------
    wait_for(lambda: _rendered(talk, 2), timeout=90, what=f"the talk record PDFs\n{pdf_worker.log_tail()}")
    page.reload()
    links = page.get_by_role("link", name=t(lang, "Download the record (PDF)"))
    expect(links.first).to_be_visible()
    with page.expect_download() as download_info:
        links.first.click()
    pdf = download_info.value.path().read_bytes()
    text = "\n".join(page_texts(pdf))
    for name in ("李强", "陈刚", "刘芳"):  # the talker, the cadre, the recorder
        assert name in text, f"{name} is missing from the talk record PDF"
