"""Authentication (token and session), the token command, the OpenAPI schema and the offline Swagger UI (both for
signed-in people only)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from project.audit.models import AuditEvent
from tests.api.conftest import ClientFor
from tests.conftest import Personas

CASES = "/api/v1/cases/"


def test_anonymous_gets_401_asking_for_a_token(anonymous: APIClient, personas: Personas) -> None:
    response = anonymous.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_authenticates(client_for: ClientFor, personas: Personas) -> None:
    assert client_for(personas.alice).get(CASES).status_code == 200


def test_a_wrong_token_is_refused(anonymous: APIClient, personas: Personas) -> None:
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert anonymous.get(CASES).status_code == 401


def test_an_inactive_account_is_refused_even_with_its_token(client_for: ClientFor, personas: Personas) -> None:
    client = client_for(personas.alice)
    personas.alice.is_active = False
    personas.alice.save()
    assert client.get(CASES).status_code == 401


def test_a_session_authenticates_reads_and_needs_csrf_for_writes(personas: Personas) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas.alice)
    assert client.get(CASES).status_code == 200
    response = client.post("/api/v1/cases/1/confirm/", {"note": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_api_token_prints_the_same_token_until_reset(personas: Personas) -> None:
    first, again, reset = io.StringIO(), io.StringIO(), io.StringIO()
    call_command("api_token", "alice", stdout=first)
    call_command("api_token", "alice", stdout=again)
    call_command("api_token", "alice", "--reset", stdout=reset)
    assert first.getvalue() == again.getvalue()
    assert reset.getvalue().strip() != first.getvalue().strip()
    assert Token.objects.get(user=personas.alice).key == reset.getvalue().strip()
    issued = AuditEvent.objects.filter(action="api.token")
    assert issued.count() == 2
    assert all(first.getvalue().strip() not in event.summary for event in issued)


def _age_token(user: object, days: int) -> None:
    Token.objects.filter(user=user).update(created=timezone.now() - timedelta(days=days))


def test_a_token_expires_after_the_configured_days(client_for: ClientFor, personas: Personas, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 30
    client = client_for(personas.alice)
    _age_token(personas.alice, 29)
    assert client.get(CASES).status_code == 200
    _age_token(personas.alice, 30)
    response = client.get(CASES)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_api_token_does_not_print_an_expired_token_and_reset_issues_a_fresh_one(
    personas: Personas, settings: Any
) -> None:
    settings.API_TOKEN_DAYS = 30
    call_command("api_token", "alice", stdout=io.StringIO(), stderr=io.StringIO())
    _age_token(personas.alice, 31)
    with pytest.raises(CommandError, match="expired"):
        call_command("api_token", "alice", stdout=io.StringIO(), stderr=io.StringIO())
    fresh, note = io.StringIO(), io.StringIO()
    call_command("api_token", "alice", "--reset", stdout=fresh, stderr=note)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + fresh.getvalue().strip())
    assert client.get(CASES).status_code == 200
    assert "valid until" in note.getvalue()


def test_api_token_refuses_an_unknown_user(personas: Personas) -> None:
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "nobody")


def test_the_schema_validates_without_warnings(tmp_path: Path) -> None:
    # drf-spectacular's own validation (OpenAPI 3 JSON schema) and every warning as an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/cases/{id}/assign-leader/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_is_served_as_openapi_3_to_a_token(client_for: ClientFor, personas: Personas) -> None:
    response = client_for(personas.carl).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/matters/{id}/assessment/" in schema["paths"]


def test_the_schema_is_served_to_a_session(personas: Personas) -> None:
    client = APIClient()
    client.force_login(personas.carl)
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200


def test_anonymous_gets_401_for_the_schema(anonymous: APIClient, personas: Personas) -> None:
    response = anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert b"/api/v1/" not in response.content
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert anonymous.get("/api/schema/").status_code == 401


def test_anonymous_is_sent_to_the_login_page_from_the_docs(anonymous: APIClient, personas: Personas) -> None:
    for path in ("/api/docs/", "/api/docs/?script="):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(path)}"
        assert b"SwaggerUIBundle" not in response.content


def test_a_wrong_token_gets_401_from_the_docs_not_a_login_page(anonymous: APIClient, personas: Personas) -> None:
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert anonymous.get("/api/docs/").status_code == 401


def test_an_inactive_account_is_sent_to_the_login_page_from_the_docs(personas: Personas) -> None:
    client = APIClient()
    client.force_login(personas.carl)
    personas.carl.is_active = False
    personas.carl.save()
    assert client.get("/api/docs/").status_code == 302


def test_swagger_ui_is_served_from_the_sidecar_without_inline_script(personas: Personas) -> None:
    client = APIClient()
    client.force_login(personas.carl)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the page loads Swagger UI"
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
