"""Security headers on every page, the CSP without 'unsafe-inline', and a crawl of the pages each persona
can reach: each renders, carries the CSP and nothing the CSP would refuse; downloads are attachments."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve as static_serve

from cases.rectification import visit_services
from evaluations.identification import round_identify
from project.celery import app as celery_app
from project.org.models import User
from tests.cases.matters.states import recommended
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import build_closed_round
from tests.security.inline import inline_problems

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGES_PER_PERSONA = 150
# Swagger UI (third-party) applies inline styles; that page's policy allows them, and scripts never.
INLINE_STYLE_ALLOWED = {"/api/docs/"}
# The results XLSX and the result-card PDFs (alice); the visit photo (ivy).
EXPECTED_DOWNLOADS = {"alice": 2, "ivy": 1}
FILE_TYPES = ("application/pdf", "application/vnd.openxmlformats", "application/octet-stream", "image/", "text/csv")
# Links a crawler must not follow: leaving the session, the admin (Django's own templates), static files,
# the JSON API.
SKIPPED_PREFIXES = ("/static/", "/admin/", "/accounts/logout/", "/i18n/", "/api/v1/")


def login(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# --- headers ----------------------------------------------------------------------------------------------


def test_the_login_page_carries_the_whole_policy(db: None) -> None:
    response = Client().get(reverse("login"))
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
    }
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_pages_send_the_other_security_headers(personas: Personas) -> None:
    response = login(personas.alice).get(reverse("home"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_error_pages_carry_the_policy_too(personas: Personas) -> None:
    response = login(personas.alice).get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_session_and_csrf_cookies_are_http_only_secure_and_short_in_production(settings: Any) -> None:
    # The suite runs with DEBUG off: these are the production values.
    assert not settings.DEBUG
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_the_session_cookie_ends_with_the_browser(personas: Personas) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery-staple"})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert not cookie["max-age"]  # no lifetime: a session cookie, gone when the browser closes


def test_passwords_need_ten_characters_and_pass_the_standard_validators(settings: Any) -> None:
    from django.contrib.auth.password_validation import get_default_password_validators, validate_password
    from django.core.exceptions import ValidationError

    names = {type(validator).__name__ for validator in get_default_password_validators()}
    assert names >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    for weak in ("short1!", "1234567890123", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("ridge-lantern-41-oak")


def _views(patterns: list[Any]) -> list[Any]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_views(pattern.url_patterns))
        elif isinstance(pattern, URLPattern):
            found.append(pattern.callback)
    return found


def test_media_files_are_not_served(personas: Personas, settings: Any) -> None:
    # Uploaded and generated files leave only through views that check permission.
    assert static_serve not in _views(get_resolver().url_patterns)
    media = Path(settings.MEDIA_ROOT)
    (media / "roster-imports").mkdir(parents=True)
    (media / "roster-imports" / "x.upload").write_bytes(b"secret")
    client = login(personas.alice)
    for path in ("/media/roster-imports/x.upload", "/roster-imports/x.upload", "/var/media/roster-imports/x.upload"):
        assert client.get(path).status_code == 404


# --- the crawl --------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/") and not href.startswith("//"):
                self.hrefs.append(href.split("#")[0])


@pytest.fixture
def busy_district(org: Org, personas: Personas, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """A closed, identified round; a case under verification with a sealed visit and a photo; a matter."""
    settings.MEDIA_ROOT = tmp_path / "media"
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        built = build_closed_round(org, personas)
        round_identify(actor=personas.alice, round=built.round)
        plan = sealed(personas)
        upload = SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png")
        visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 工位无人", files=[upload])
        matter = recommended(personas)
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved
    return {"round": built.round, "plan": plan, "matter": matter}


def _plain_paths(patterns: list[Any], prefix: str = "") -> list[str]:
    """Every URL without a parameter: the starting points of the crawl (list pages, forms, home)."""
    found: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if "<" in route or "^" in route or "(" in route:
            continue
        if isinstance(pattern, URLResolver):
            found.extend(_plain_paths(pattern.url_patterns, route))
        else:
            found.append("/" + route)
    return found


def crawl(client: Client) -> dict[str, Any]:
    """GET every parameter-free URL and every same-site link found on the way; each URL's response."""
    seen: dict[str, Any] = {}
    queue = deque(_plain_paths(get_resolver().url_patterns))
    while queue and len(seen) < PAGES_PER_PERSONA:
        url = queue.popleft()
        if url in seen or url.startswith(SKIPPED_PREFIXES):
            continue
        response = client.get(url)
        seen[url] = response
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            links = _Links()
            links.feed(response.content.decode())
            queue.extend(href for href in links.hrefs if href not in seen)
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("who", ["alice", "leo", "ivy", "rita", "audrey", "carl"])
def test_every_page_a_persona_reaches_renders_under_the_policy(
    busy_district: dict[str, Any], personas: Personas, who: str
) -> None:
    pages = crawl(login(getattr(personas, who)))
    assert sum(response.status_code == 200 for response in pages.values()) > 5, "the crawl found almost nothing"
    failures: list[str] = []
    downloads = []
    for url, response in pages.items():
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
            continue
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            if response.status_code == 200 and (response.streaming or response["Content-Type"].startswith(FILE_TYPES)):
                downloads.append(url)
                disposition = response.get("Content-Disposition", "")
                if not disposition.startswith("attachment"):
                    failures.append(f"{url}: a download without Content-Disposition: attachment")
            continue
        if "script-src 'self'" not in response.get("Content-Security-Policy", ""):
            failures.append(f"{url}: no CSP header")
        problems = inline_problems(response.content.decode())
        if url in INLINE_STYLE_ALLOWED:
            problems = [problem for problem in problems if "style" not in problem]
        failures.extend(f"{url}: {problem}" for problem in problems)
    assert failures == []
    if who in EXPECTED_DOWNLOADS:
        assert len(downloads) >= EXPECTED_DOWNLOADS[who], downloads


def test_the_anonymous_pages_render_under_the_policy(db: None) -> None:
    client = Client()
    for url in (reverse("login"), reverse("evaluations:ballot_thanks")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_problems(response.content.decode()) == [], url
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_only_the_api_docs_allow_inline_styles_and_no_page_inline_scripts(personas: Personas) -> None:
    client = login(personas.alice)
    docs = csp_directives(client.get(reverse("api-docs"))["Content-Security-Policy"])
    assert docs["style-src"] == ["'self'", "'unsafe-inline'"]
    assert docs["script-src"] == ["'self'"]
    home = csp_directives(client.get(reverse("home"))["Content-Security-Policy"])
    assert home["style-src"] == ["'self'"]


def test_htmx_is_told_not_to_inject_its_style(personas: Personas) -> None:
    html = login(personas.alice).get(reverse("home")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false,"allowEval":false}\'>' in html
