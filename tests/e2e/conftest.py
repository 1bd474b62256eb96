"""Browser journeys: a live server, a real Celery worker for the PDFs (Redis), headless Chromium (Debian's).

These tests need PostgreSQL and Redis (the worker reads the test database over the network): they skip
with a reason without them, and fail under CI=true (tests/services.py). Every page a journey loads is
watched: a console error, a failed request or an HTTP error answer fails the test (see `Watch`).

Screenshots of the key pages go to var/e2e-artifacts/ (gitignored); their folder is printed on failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect, sync_playwright

from tests.conftest import PASSWORD
from tests.services import require_postgres, require_redis
from tests.worker import CeleryWorker, celery_worker

# Playwright's sync API runs an event loop in the test's thread, which trips Django's guard against database
# calls from async code; the test code is synchronous (the documented setting for Playwright with Django).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "e2e-artifacts"
LANGUAGES = ("zh-hans", "en")
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Browsers ask for /favicon.ico on every site; the application has none, and that 404 is not a page's fault.
IGNORED_PATHS = ("/favicon.ico",)
# axe rules switched off, each with its reason (none so far).
AXE_DISABLED_RULES: dict[str, str] = {}
AXE_FAILING_IMPACTS = ("serious", "critical")


def t(language: str, message: Any) -> str:
    """`message` (a msgid or a lazy label) as the page shows it in `language`, to find elements by their text."""
    with translation.override(language):
        return str(translation.gettext(message)) if isinstance(message, str) else str(message)


# --- services: PostgreSQL, Redis, the worker ------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worker's DJANGO_VAR_DIR, for the whole session: its media folder is the live server's too."""
    return tmp_path_factory.mktemp("e2e-var")


@pytest.fixture
def e2e_settings(settings: Any, e2e_var_dir: Path) -> Any:
    """Settings the live server (a thread of this process) and the worker share."""
    require_postgres()
    settings.MEDIA_ROOT = e2e_var_dir / "media"  # as the worker's settings derive it from DJANGO_VAR_DIR
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests run with DEBUG off, which makes these cookies Secure; the live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return settings


@pytest.fixture(scope="package")
def _session_pdf_worker(django_db_setup: None, django_db_blocker: Any, e2e_var_dir: Path) -> Iterator[CeleryWorker]:
    # One worker for the e2e package (it starts in seconds, not for free), stopped when the suite leaves
    # tests/e2e: a worker still consuming the pdf queue would take other tests' tasks (tests/ops), and a
    # Playwright loop still running would refuse another sync_playwright() (tests/security). It reads the test database,
    # which each transactional test fills and empties.
    with django_db_blocker.unblock():
        require_postgres()
        broker = require_redis()
        with celery_worker(queues=["pdf"], broker_url=broker, var_dir=e2e_var_dir) as worker:
            yield worker


@pytest.fixture
def pdf_worker(transactional_db: None, e2e_settings: Any, _session_pdf_worker: CeleryWorker) -> CeleryWorker:
    return _session_pdf_worker


@pytest.fixture
def server(live_server: Any, e2e_settings: Any, pdf_worker: CeleryWorker) -> str:
    """The live server's address, with the PDF worker running."""
    return str(live_server.url)


# --- the browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # Debian's Chromium: a browser download of Playwright's own is impossible on these machines.
    browser = playwright_instance.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Burden:
    """What one task costs its user: page loads since login, fields typed, fields the page had filled in."""

    task: str
    navigations: int = 0
    typed: list[str] = field(default_factory=list)
    prefilled: int = 0
    counting: bool = False

    def row(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "page_loads": self.navigations,
            "typed": len(self.typed),
            "prefilled": self.prefilled,
            "typed_values": list(self.typed),
        }


# Filled controls the user did not type: visible inputs with a value, chosen options, ticked boxes.
PREFILLED_SCRIPT = """(form) => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  let n = 0;
  for (const el of form.querySelectorAll('input, textarea, select')) {
    if (el.disabled || ['hidden', 'submit', 'button', 'file'].includes(el.type)) continue;
    if (el.type === 'radio' || el.type === 'checkbox') { if (el.checked) n++; continue; }
    if (!visible(el)) continue;
    if (el.value && el.value.trim() !== '') n++;
  }
  return n;
}"""


@dataclass
class Session:
    """One person's browser tab: the watch over errors, the burden recorder, screenshots, axe."""

    name: str
    language: str
    page: Page
    context: BrowserContext
    base_url: str
    artifacts: Path
    errors: list[str] = field(default_factory=list)
    burden: Burden | None = None
    a11y_pages: list[str] = field(default_factory=list)

    # -- errors --
    def _on_console(self, message: Any) -> None:
        if message.type == "error" and not str(message.location.get("url", "")).endswith(IGNORED_PATHS):
            self.errors.append(f"console error on {self.page.url}: {message.text}")

    def _on_request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if request.url.endswith(IGNORED_PATHS):
            return
        # A link that answers with an attachment is handed to the download manager: Chromium ends the
        # navigation with ERR_ABORTED, which is the download working, not a failure.
        if "ERR_ABORTED" in failure and "/download/" in request.url:
            return
        self.errors.append(f"request failed: {request.method} {request.url}: {failure}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and not response.url.endswith(IGNORED_PATHS):
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and self.burden is not None and self.burden.counting:
            self.burden.navigations += 1

    def watch(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error on {self.page.url}: {error}"))
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("response", self._on_response)
        self.page.on("framenavigated", self._on_navigated)

    # -- navigation --
    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def login(self, username: str, *, next_path: str = "") -> None:
        """Log in through the form; from here on the page loads of the task are counted."""
        self.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        self.page.get_by_label(t(self.language, "Username")).fill(username)
        self.page.get_by_label(t(self.language, "Password")).fill(PASSWORD)
        if self.burden is not None:
            self.burden.counting = True
        self.page.get_by_role("button", name=t(self.language, "Log in")).click()
        self.page.wait_for_load_state()
        expect(self.page.get_by_role("button", name=t(self.language, "Log out"))).to_be_visible()

    def start_task(self, task: str) -> Burden:
        self.burden = Burden(task=task)
        return self.burden

    def stop_task(self) -> Burden:
        assert self.burden is not None
        self.burden.counting = False
        return self.burden

    # -- input --
    def type(self, target: Locator, text: str) -> None:
        """A field the user types by hand: counted in the burden."""
        target.fill(text)
        if self.burden is not None and self.burden.counting:
            self.burden.typed.append(text)

    def count_prefilled(self, form: Locator) -> int:
        """Count the filled controls of `form` before the user types anything (call on arrival)."""
        count = int(form.evaluate(PREFILLED_SCRIPT))
        if self.burden is not None and self.burden.counting:
            self.burden.prefilled += count
        return count

    # -- evidence --
    def shot(self, label: str) -> Path:
        path = self.artifacts / f"{self.name}-{self.language}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_a11y(self, label: str) -> None:
        """axe-core on the current page: no violation of impact serious or critical."""
        options: dict[str, Any] = {"resultTypes": ["violations"]}
        if AXE_DISABLED_RULES:
            options["rules"] = {rule: {"enabled": False} for rule in AXE_DISABLED_RULES}
        results = Axe().run(self.page, options=options)
        bad = [v for v in results.response["violations"] if v.get("impact") in AXE_FAILING_IMPACTS]
        self.a11y_pages.append(label)
        assert not bad, f"axe on {label} ({self.page.url}):\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(f"{node['html'][:120]} ({node.get('failureSummary', '')[:160]})" for node in v["nodes"][:5])
            for v in bad
        )

    def check_keyboard(self, action: Locator, *, max_tabs: int = 80) -> int:
        """Tab from the top of the page reaches `action`, and the focus on it is visible. Returns the tabs."""
        self.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        handle = action.element_handle()
        assert handle is not None
        for tabs in range(1, max_tabs + 1):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("(el) => document.activeElement === el", handle):
                style = self.page.evaluate(
                    """(el) => { const s = getComputedStyle(el);
                       return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                               shadow: s.boxShadow !== 'none', visible: el.matches(':focus-visible')}; }""",
                    handle,
                )
                assert style["visible"], f"no :focus-visible on the primary action of {self.page.url}"
                assert style["outline"] or style["shadow"], f"the focus on {self.page.url} is not drawn: {style}"
                return tabs
        raise AssertionError(f"{max_tabs} presses of Tab never reached the primary action of {self.page.url}")

    def assert_clean(self) -> None:
        assert not self.errors, "the browser saw errors:\n" + "\n".join(self.errors)


@dataclass
class Browsers:
    """Opens one tab per person, in one language, and checks them all at the end of the test."""

    browser: Browser
    base_url: str
    language: str
    artifacts: Path
    sessions: list[Session] = field(default_factory=list)

    def open(self, name: str, *, viewport: dict[str, int] | None = None) -> Session:
        context = self.browser.new_context(
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            locale="zh-CN" if self.language == "zh-hans" else "en-US",
            accept_downloads=True,
        )
        # The language the way the site's switcher remembers it (LANGUAGE_COOKIE_NAME).
        context.add_cookies(
            [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": self.language, "url": self.base_url}]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        session = Session(name, self.language, page, context, self.base_url, self.artifacts)
        session.watch()
        self.sessions.append(session)
        return session


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def browsers(browser: Browser, server: str, language: str, request: pytest.FixtureRequest) -> Iterator[Browsers]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened = Browsers(browser, server, language, ARTIFACTS)
    yield opened
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for session in opened.sessions:
            session.shot("at-failure")
        print(f"\nscreenshots of {request.node.name}: {ARTIFACTS}")
    for session in opened.sessions:
        session.context.close()
    for session in opened.sessions:
        session.assert_clean()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def text_pattern(*parts: str) -> re.Pattern[str]:
    """A pattern matching any of `parts` literally (for names that differ only in a count or a date)."""
    return re.compile("|".join(re.escape(part) for part in parts))
