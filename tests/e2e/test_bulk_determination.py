"""262 nominated candidates of one round confirmed in one bulk action, with one determination note.

The organization department filters the nominated cases, shows them on one page, ticks them all with the
"tick all" box and confirms them with one note: one action, one typed field (docs/BURDEN.md).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.rectification import services
from cases.rectification.models import CaseState, RectificationCase
from cases.rectification.services import RoundRef
from tests.cases.rectification.states import EVIDENCE, roster
from tests.conftest import Org, Personas
from tests.e2e.burden import record_burden
from tests.e2e.conftest import Browsers, t

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.e2e]

CANDIDATES = 262
NOTE = "经民主测评和组织评定，确定为整治对象。"


@pytest.mark.parametrize("language", ["zh-hans"])  # the journeys cover both languages; this is about the count
def test_262_candidates_are_confirmed_in_one_bulk_action(browsers: Browsers, org: Org, personas: Personas) -> None:
    round_ref = RoundRef(id=2026, title="2026年度东城区干部作风测评")
    for cadre in roster(org.bureau, CANDIDATES, "R"):
        services.case_nominate(actor=None, cadre=cadre, evidence=EVIDENCE, round_ref=round_ref)
    lang = "zh-hans"

    alice = browsers.open("bulk")
    burden = alice.start_task("bulk determination of 262")
    alice.login("alice")
    page = alice.page
    # The main menu's link (the home page has a button of the same name in Chinese).
    page.get_by_role("navigation", name=t(lang, "Main")).get_by_role(
        "link", name=t(lang, "Rectification cases (整治)")
    ).click()
    filters = page.get_by_role("form", name=t(lang, "Filter the cases"))
    filters.get_by_label(t(lang, "state")).select_option(value=CaseState.NOMINATED)
    filters.get_by_label(t(lang, "per page")).select_option(value="500")
    filters.get_by_role("button", name=t(lang, "Filter")).click()
    page.get_by_label(t(lang, "Tick every nominated case on this page")).check()
    expect(page.get_by_role("checkbox", checked=True)).to_have_count(CANDIDATES + 1)
    alice.type(page.get_by_label(t(lang, "determination note or reason")), NOTE)
    alice.check_a11y("bulk-262")
    with page.expect_navigation():
        page.get_by_role("button", name=t(lang, "Confirm the ticked cases")).click()
    expect(page.get_by_role("status")).to_contain_text(t(lang, "%(n)s cases confirmed.") % {"n": CANDIDATES})
    alice.stop_task()
    record_burden(burden, lang)

    confirmed = RectificationCase.objects.filter(round_id=round_ref.id, state=CaseState.CONFIRMED)
    assert confirmed.count() == CANDIDATES
    assert set(confirmed.values_list("determination_note", flat=True)) == {NOTE}
    assert burden.typed == [NOTE]  # one note for all, typed once
    assert burden.navigations == 4  # home, the list, the filtered list, the list after confirming
