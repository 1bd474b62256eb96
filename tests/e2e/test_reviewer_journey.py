"""A reviewer (rita) answers an accountability matter's checklist on one page while htmx updates the
recommendation; she proposes the outcome, a second reviewer (rob) confirms, and the decision letter downloads.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.matters.models import AccountabilityMatter, AnswerValue, MatterState, Outcome
from project.documents.models import Document, DocumentStatus
from tests.cases.matters.states import EXEMPT_ANSWERS, accepted
from tests.conftest import Personas
from tests.documents.pdfs import page_texts
from tests.e2e.burden import record_burden
from tests.e2e.conftest import Browsers, Session, t
from tests.worker import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.e2e]


def _open_matter(session: Session, title: str) -> None:
    """From the home page to the matter, the way a reviewer finds it."""
    lang = session.language
    session.page.get_by_role("link", name=t(lang, "Accountability matters assigned to me")).click()
    session.page.get_by_role("link", name=title).click()


def _letters_rendered(matter: AccountabilityMatter) -> bool:
    letters = Document.objects.filter(object_type=matter._meta.label_lower, object_id=str(matter.pk))
    return letters.exists() and not letters.exclude(status=DocumentStatus.RENDERED).exists()


def test_a_reviewer_answers_the_checklist_and_a_second_reviewer_confirms_the_decision(
    browsers: Browsers, personas: Personas, pdf_worker: CeleryWorker, language: str
) -> None:
    matter = accepted(personas)  # registered by alice, applied for by carl, accepted; rita and rob assigned
    lang = language

    rita = browsers.open("reviewer")
    burden = rita.start_task("checklist")
    rita.login("rita")
    page = rita.page
    _open_matter(rita, matter.title)
    rita.check_a11y("matter")
    rita.check_keyboard(page.get_by_role("button", name=t(lang, "Start the investigation (调查核实)")))
    page.get_by_role("button", name=t(lang, "Start the investigation (调查核实)")).click()
    page.get_by_role("link", name=t(lang, "Fill in the checklist")).click()

    form = page.locator("form").filter(has=page.get_by_role("button", name=t(lang, "Save the checklist")))
    rita.count_prefilled(form)
    recommendation = page.get_by_role("heading", name=t(lang, "Recommendation")).locator("..")
    expect(recommendation).to_contain_text(t(lang, "Still to answer"))
    loads_before = burden.navigations
    for criterion, value in EXEMPT_ANSWERS.items():
        group = page.get_by_role("radiogroup", name=criterion, exact=True)
        with page.expect_response(re.compile(r"/checklist/recommendation/$")) as answered:
            group.get_by_label(t(lang, AnswerValue(value).label), exact=True).check()
        assert answered.value.ok
    # The recommendation followed the answers without a page load: every criterion on one page.
    assert burden.navigations == loads_before
    expect(recommendation).to_contain_text(t(lang, Outcome.EXEMPT.label))
    rita.shot("checklist")
    rita.check_a11y("checklist")
    page.get_by_role("button", name=t(lang, "Save the checklist")).click()
    expect(page.get_by_role("status").filter(has_text=t(lang, "The checklist was saved."))).to_be_visible()

    page.get_by_role("link", name=t(lang, "Matter"), exact=True).click()
    page.get_by_role("button", name=t(lang, "Record the recommendation")).click()  # lands on the decision tab
    rita.check_a11y("decision")
    task_form = page.locator("form").filter(has=page.get_by_role("button", name=t(lang, "Add a correction task")))
    rita.count_prefilled(task_form)
    task_form.get_by_label(t(lang, "owner").capitalize()).select_option(label=str(personas.carl))
    what = task_form.get_by_label(t(lang, "what is to be corrected").capitalize())
    rita.type(what, "追回垫付资金，完善项目前期论证制度")
    deadline = timezone.localdate() + timedelta(days=30)
    rita.type(task_form.get_by_label(t(lang, "deadline").capitalize()), deadline.isoformat())
    task_form.get_by_role("button", name=t(lang, "Add a correction task")).click()
    propose = page.locator("form").filter(has=page.get_by_role("button", name=t(lang, "Propose"), exact=True))
    rita.count_prefilled(propose)
    propose.get_by_label(t(lang, "outcome").capitalize(), exact=True).select_option(value=Outcome.EXEMPT)
    propose.get_by_role("button", name=t(lang, "Propose"), exact=True).click()
    expect(page.get_by_role("heading", name=t(lang, "Proposed, awaiting a second person"))).to_be_visible()
    rita.stop_task()
    rita.shot("proposed")
    record_burden(burden, lang)
    assert len(set(burden.typed)) == len(burden.typed), "a fact was typed twice"

    rob = browsers.open("second-reviewer")
    rob.login("rob")
    _open_matter(rob, matter.title)
    rob.page.get_by_role("link", name=t(lang, "Decision (认定)"), exact=True).click()
    rob.check_a11y("confirm")
    rob.check_keyboard(rob.page.get_by_role("button", name=t(lang, "Confirm the decision")))
    rob.page.get_by_role("button", name=t(lang, "Confirm the decision")).click()
    matter.refresh_from_db()
    assert matter.state == MatterState.DECIDED
    assert matter.decided_outcome == Outcome.EXEMPT

    wait_for(lambda: _letters_rendered(matter), timeout=90, what=f"the decision letter\n{pdf_worker.log_tail()}")
    rob.page.reload()
    link = rob.page.get_by_role("link", name=t(lang, "Download PDF"))
    with rob.page.expect_download() as download_info:
        link.first.click()
    rob.shot("decided")
    text = "\n".join(page_texts(download_info.value.path().read_bytes()))
    assert "陈刚" in text
