"""Log-in hardening: lockout by account and by client address (also behind a proxy), session lifetime."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from project.twofactor.lockout import client_ip
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def attempt(username: str, password: str, *, client_address: str) -> int:
    """One log-in through a proxy at PROXY that appends the client's address to X-Forwarded-For."""
    response = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}").post(
        reverse("login"), {"username": username, "password": password}
    )
    return response.status_code


def test_the_client_is_the_address_the_proxy_appended(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"  # 1.1.1.1 was written by the client: forgeable
    settings.PROXY_COUNT = 0
    assert client_ip(request) == PROXY


def test_five_failures_lock_the_account(personas: Personas, settings: Any) -> None:
    assert attempt("alice", "wrong-password", client_address="203.0.113.7") == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("alice", "wrong-password", client_address="203.0.113.7")
    assert attempt("alice", PASSWORD, client_address="198.51.100.9") == 429


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_the_others(personas: Personas, settings: Any) -> None:
    settings.PROXY_COUNT = 1
    for name in ("leo", "ivy", "rita", "rob", "audrey"):
        attempt(name, "wrong-password", client_address="203.0.113.7")
    assert attempt("carl", PASSWORD, client_address="203.0.113.7") == 429  # that address is locked
    assert attempt("alice", PASSWORD, client_address="198.51.100.9") == 302  # another client logs in


def test_without_the_proxy_setting_everyone_behind_the_proxy_shares_one_address(
    personas: Personas, settings: Any
) -> None:
    # The reason for DJANGO_PROXY_COUNT: without it the proxy's address is locked for everybody.
    settings.PROXY_COUNT = 0
    for name in ("leo", "ivy", "rita", "rob", "audrey"):
        attempt(name, "wrong-password", client_address="203.0.113.7")
    assert attempt("alice", PASSWORD, client_address="198.51.100.9") == 429


def test_a_session_lasts_eight_hours_at_most(personas: Personas) -> None:
    client = Client()
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 3600
