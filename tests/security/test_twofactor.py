"""Two-factor log-in: who must use it, enrolment with a real TOTP code, verification after the password,
backup codes, and every page refused until then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from project.audit.models import AuditEvent
from project.org.models import Cadre, User
from project.twofactor import services
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ENROL = reverse("twofactor:enrol")
VERIFY = reverse("twofactor:verify")


def password_login(user: User) -> Client:
    """A browser that has typed the user's password on the log-in page (and nothing more)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password log-in itself failed"
    return client


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead)).zfill(
        device.digits
    )


def enrolled(user: User) -> TOTPDevice:
    """A user with a confirmed authenticator, enrolled through the service with a real code."""
    device = services.totp_device_pending(user=user)
    assert services.totp_device_confirm(user=user, device=device, token=code(device)) is not None
    device.refresh_from_db()
    return device


# --- who must ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "rita", "audrey"])
def test_the_organization_department_reviewers_and_auditors_are_sent_to_enrolment(
    personas: Personas, two_factors: Any, who: str
) -> None:
    client = password_login(getattr(personas, who))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)


@pytest.mark.parametrize("who", ["leo", "ivy", "carl"])
def test_leaders_inspectors_and_cadres_are_not_asked_for_a_second_factor(
    personas: Personas, two_factors: Any, who: str
) -> None:
    client = password_login(getattr(personas, who))
    assert client.get(reverse("home")).status_code == 200


def test_nobody_is_asked_when_the_setting_is_off(personas: Personas, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = password_login(personas.alice)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("org:cadre_list")).status_code == 200


def _setting_in_a_fresh_process(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update({"DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "example.gov.cn", **env})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print(settings.REQUIRE_2FA)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "project.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_factors_are_on_in_production_and_off_in_debug_unless_set() -> None:
    assert _setting_in_a_fresh_process({}) == "True"
    assert _setting_in_a_fresh_process({"DJANGO_DEBUG": "1"}) == "False"
    assert _setting_in_a_fresh_process({"DJANGO_REQUIRE_2FA": "0"}) == "False"
    assert _setting_in_a_fresh_process({"DJANGO_DEBUG": "1", "DJANGO_REQUIRE_2FA": "1"}) == "True"


# --- refusal until verified -------------------------------------------------------------------------------


def test_every_page_is_refused_before_the_second_factor(personas: Personas, two_factors: Any) -> None:
    enrolled(personas.alice)
    client = password_login(personas.alice)
    for url in (reverse("home"), reverse("org:cadre_list"), reverse("org:roster_import"), reverse("audit:event_list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url


def test_a_refused_page_is_reached_after_verification(personas: Personas, two_factors: Any) -> None:
    device = enrolled(personas.alice)
    client = password_login(personas.alice)
    wanted = reverse("org:cadre_list")
    location = client.get(wanted)["Location"]
    response = client.post(location, {"token": code(device, steps_ahead=1), "next": wanted})
    assert response.status_code == 302
    assert response["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_a_write_is_refused_before_verification_and_writes_nothing(personas: Personas, two_factors: Any) -> None:
    enrolled(personas.alice)
    client = password_login(personas.alice)
    before = Cadre.objects.count()
    response = client.post(reverse("org:roster_import"), {"file": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert Cadre.objects.count() == before


def test_an_htmx_request_before_verification_is_told_to_redirect(personas: Personas, two_factors: Any) -> None:
    enrolled(personas.alice)
    client = password_login(personas.alice)
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(VERIFY)


def test_logging_out_works_before_verification(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_two_factor_pages_need_a_password_log_in_first(personas: Personas, two_factors: Any) -> None:
    for url in (ENROL, VERIFY):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- enrolment --------------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_confirms_with_a_real_code(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, no script needed
    device = TOTPDevice.objects.get(user=personas.alice, confirmed=False)
    response = client.post(ENROL, {"token": code(device), "next": reverse("org:cadre_list")})
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=personas.alice).count() == services.BACKUP_TOKEN_COUNT
    for token in StaticToken.objects.filter(device__user=personas.alice):
        assert token.token in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="twofactor.enrol", actor=personas.alice).exists()
    # Enrolment counts as the second factor for this session.
    assert client.get(reverse("org:cadre_list")).status_code == 200


def test_a_wrong_code_does_not_confirm_the_device(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=personas.alice)
    wrong = str((int(code(device)) + 1) % 10**6).zfill(6)
    response = client.post(ENROL, {"token": wrong})
    assert response.status_code == 400
    assert "token" in response.context["form"].errors
    assert "Code" in response.content.decode()  # the field, by its label
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("home"))["Location"].startswith(ENROL)


def test_reloading_the_enrolment_page_keeps_the_same_key(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    first = client.get(ENROL).context["secret"]
    assert client.get(ENROL).context["secret"] == first
    assert TOTPDevice.objects.filter(user=personas.alice).count() == 1


def test_an_enrolled_user_is_sent_from_enrolment_to_verification(personas: Personas, two_factors: Any) -> None:
    enrolled(personas.alice)
    client = password_login(personas.alice)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


# --- verification -----------------------------------------------------------------------------------------


def test_a_code_is_accepted_once(personas: Personas, two_factors: Any) -> None:
    device = enrolled(personas.alice)
    token = code(device, steps_ahead=1)
    first = password_login(personas.alice)
    assert first.post(VERIFY, {"token": token}).status_code == 302
    second = password_login(personas.alice)
    response = second.post(VERIFY, {"token": token})
    assert response.status_code == 400
    assert "token" in response.context["form"].errors


def test_a_backup_code_works_once(personas: Personas, two_factors: Any) -> None:
    enrolled(personas.alice)
    backup = StaticToken.objects.filter(device__user=personas.alice).first()
    assert backup is not None
    client = password_login(personas.alice)
    assert client.post(VERIFY, {"token": backup.token}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="twofactor.backup_code").exists()
    again = password_login(personas.alice)
    assert again.post(VERIFY, {"token": backup.token}).status_code == 400


def test_verification_without_a_device_sends_to_enrolment(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)


def test_verification_never_redirects_to_another_site(personas: Personas, two_factors: Any) -> None:
    device = enrolled(personas.alice)
    client = password_login(personas.alice)
    response = client.post(VERIFY, {"token": code(device, steps_ahead=1), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_verification_refuses_other_methods(personas: Personas, two_factors: Any) -> None:
    client = password_login(personas.alice)
    assert client.put(VERIFY).status_code == 405


def test_a_new_login_asks_again(personas: Personas, two_factors: Any) -> None:
    device = enrolled(personas.alice)
    client = password_login(personas.alice)
    client.post(VERIFY, {"token": code(device, steps_ahead=1)})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
