"""The policy in a real browser (Debian's Chromium): the pages whose scripts do the most — the results chart
(Chart.js), the checklist's live recommendation (htmx), the API docs (Swagger UI) — run without a single
Content-Security-Policy violation, and htmx injects no <style>."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, sync_playwright

from evaluations.identification import round_identify
from tests.cases.matters.states import investigating
from tests.conftest import PASSWORD, Org, Personas
from tests.evaluations.built_rounds import build_closed_round

# Playwright's sync API runs an event loop in the test's thread; the test code itself is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def plain_http(settings: Any) -> None:
    # The suite runs with DEBUG off (Secure cookies); the live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def logged_in(browser: Browser, base: str, username: str, violations: list[str]) -> Page:
    page = browser.new_page()
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    page.goto(base + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_chart_htmx_and_api_docs_run_without_a_violation(
    live_server: Any, transactional_db: None, org: Org, personas: Personas, browser: Browser, plain_http: None
) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round)
    matter = investigating(personas)
    violations: list[str] = []

    alice = logged_in(browser, live_server.url, "alice", violations)
    alice.goto(live_server.url + reverse("evaluations:results", args=[built.round.pk]))
    alice.wait_for_function("document.querySelector('#score-distribution-chart').width > 0")
    alice.goto(live_server.url + reverse("api-docs"))
    alice.wait_for_selector("#swagger-ui .info", timeout=15_000)

    rita = logged_in(browser, live_server.url, "rita", violations)
    rita.goto(live_server.url + reverse("cases:matters:checklist", args=[matter.pk]))
    before = rita.inner_html("#recommendation")
    rita.locator("input[type=radio]:not([disabled])").nth(1).check()
    rita.wait_for_function("(before) => document.querySelector('#recommendation').innerHTML !== before", arg=before)
    assert rita.eval_on_selector_all("style", "elements => elements.length") == 0

    assert violations == []
