"""The same request twice at the same moment (a double click, two tabs): one record, never two, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.rectification import dossier
from cases.rectification.models import RectificationCase
from project.documents.models import Document
from project.org.models import User
from project.twofactor import services as twofactor
from tests.cases.rectification.states import talking
from tests.conftest import Personas
from tests.races.interleave import Gate, after, first_holds_second_waits, join, spawn
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

USER_LOCK = 'SELECT "org_user"."id"%FOR UPDATE%'


def code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(device.digits)


def test_two_enrolment_pages_opened_at_once_show_one_key(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    require_postgres()
    gate = Gate("page0")
    monkeypatch.setattr(TOTPDevice.objects, "create", after(TOTPDevice.objects.create, gate))

    def pending() -> str:
        return str(twofactor.totp_device_pending(user=User.objects.get(pk=personas.alice.pk)).key)

    # The first page made its key, not yet committed; the second waits for the person's row.
    first_key, second_key = first_holds_second_waits(gate, pending, pending, USER_LOCK)

    assert (first_key.error, second_key.error) == (None, None)
    assert first_key.value == second_key.value  # before: two keys, and a scan of the second one failed
    assert TOTPDevice.objects.filter(user=personas.alice).count() == 1


def test_the_enrolment_form_sent_twice_enrols_once_and_answers_both(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    device = twofactor.totp_device_pending(user=personas.alice)
    token = code(device)
    gate = Gate("post0")
    monkeypatch.setattr(twofactor, "totp_device_pending", after(twofactor.totp_device_pending, gate))

    def post() -> int:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(pk=personas.alice.pk), backend="django.contrib.auth.backends.ModelBackend")
        return client.post(reverse("twofactor:enrol"), {"token": token}).status_code

    first, first_status = spawn("post0", post)
    assert gate.reached.wait(10)  # the first request has seen no confirmed authenticator yet
    second, second_status = spawn("post1", post)
    second.join(20)  # the second, unhindered, confirms it
    gate.release()
    join(first)

    # The second shows the backup codes; the first finds the authenticator confirmed and moves on (before: a 500).
    assert (second_status.value, first_status.value) == (200, 302)
    assert TOTPDevice.objects.filter(user=personas.alice, confirmed=True).count() == 1
    assert StaticDevice.objects.filter(user=personas.alice).count() == 1


def test_a_dossier_asked_for_twice_at_once_is_made_once(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    require_postgres()
    case = talking(personas)
    gate = Gate("ask0")
    monkeypatch.setattr(dossier, "document_request", after(dossier.document_request, gate))

    def ask() -> int:
        current = RectificationCase.objects.get(pk=case.pk)
        return dossier.case_dossier_request(actor=User.objects.get(pk=personas.alice.pk), case=current).pk

    # The first request made its dossier, not yet committed; the second waits for the person's row.
    first_id, second_id = first_holds_second_waits(gate, ask, ask, USER_LOCK)

    assert (first_id.error, second_id.error) == (None, None)
    assert first_id.value == second_id.value
    assert Document.objects.filter(kind=dossier.KIND).count() == 1
