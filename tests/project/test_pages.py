from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases.rectification.states import confirmed
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


def _language_next(page: str) -> str:
    found = re.search(r'<input name="next" type="hidden" value="([^"]*)">', page)
    assert found is not None
    return html.unescape(found.group(1))


def test_the_language_switcher_returns_to_the_page_it_is_on(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    page = reverse("cases:rectification:list") + "?state=talking&page=2"
    assert _language_next(client.get(page).content.decode()) == page


def test_after_a_form_error_the_switcher_returns_to_the_page_the_form_was_on(
    client: Client, personas: Personas
) -> None:
    # The error is shown at the address the form was sent to, which only takes forms: returning there would be a 405.
    case = confirmed(personas)
    client.force_login(personas.alice)
    action = reverse("cases:rectification:action", args=[case.pk, "assign_leader"])
    case_page = reverse("cases:rectification:detail", args=[case.pk])
    answered = client.post(action, {"leader": ""}, HTTP_REFERER=f"http://testserver{case_page}")
    assert answered.status_code == 400
    assert _language_next(answered.content.decode()) == case_page
    for referer in ("", "https://elsewhere.example/cases/"):  # none, or another site's: the user's home
        answered = client.post(action, {"leader": ""}, HTTP_REFERER=referer)
        assert _language_next(answered.content.decode()) == reverse("home")


def test_opening_an_address_that_only_takes_forms_explains_itself(client: Client, personas: Personas) -> None:
    case = confirmed(personas)
    client.force_login(personas.alice)
    action = reverse("cases:rectification:action", args=[case.pk, "assign_leader"])
    response = client.get(action, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    page = response.content.decode()
    assert "This address only receives forms" in page
    assert reverse("home") in page
    # The API's 405 keeps its own JSON body.
    api = client.get(f"/api/v1/cases/{case.pk}/assign-leader/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 405
    assert api.headers["Content-Type"] == "application/json"


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
