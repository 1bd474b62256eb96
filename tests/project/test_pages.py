from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served_in_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()


def test_the_login_page_follows_the_browser_language(client: Client) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in response.content.decode()
    assert "Log in" in response.content.decode()


def test_home_redirects_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_rejects_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    assert client.post(reverse("home")).status_code == 405


@pytest.mark.parametrize("persona", ["alice", "leo", "ivy", "rita", "audrey", "carl", "oscar"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_persona_logs_in_to_their_home(client: Client, personas: Personas, persona: str, language: str) -> None:
    response = client.post(reverse("login"), {"username": persona, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language)
    assert home.status_code == 200


def test_the_org_admin_home_counts_only_their_subtree(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # District A holds the district, the bureau and two sections, with three cadres.
    assert "4 units and 3 cadres in your scope" in page


def test_a_cadre_without_role_sees_their_own_record(client: Client, personas: Personas) -> None:
    client.force_login(personas.carl)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My record" in page
    assert "陈刚" in page
    assert "Roster" not in page


def test_repeated_failed_logins_lock_the_account(client: Client, personas: Personas, settings: object) -> None:
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_the_language_switcher_sets_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True)
    assert 'lang="en"' in response.content.decode()


def test_an_unknown_page_answers_404_with_the_site_layout(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_audit_trail_is_for_auditors_only(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    assert client.get(reverse("audit:event_list")).status_code == 403
    client.force_login(personas.audrey)
    assert client.get(reverse("audit:event_list")).status_code == 200
