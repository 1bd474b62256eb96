"""Download, status partial and verification pages: who gets what, and what the pages say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.urls import reverse

from project.audit.models import AuditEvent
from project.documents.models import Document
from project.documents.services import document_request
from tests.conftest import Personas
from tests.documents.conftest import login, request_rendered

pytestmark = pytest.mark.django_db

# session, user, document, then the audited read: savepoint, last hash, insert, release; PostgreSQL
# adds the audit chain's advisory lock.
AUDITED_VIEW_QUERIES = 7 + (connection.vendor == "postgresql")
# A page that extends base.html adds the `roles` context processor's one query (all grants at once).
LAYOUT_QUERIES = 1


@pytest.fixture
def talk_record(personas: Personas, django_capture_on_commit_callbacks: Any) -> Document:
    """A rendered demo document that alice asked for (the demo kind shows it to her alone)."""
    return request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录 张三"
    )


@pytest.fixture
def pending(personas: Personas, django_capture_on_commit_callbacks: Any) -> Document:
    with django_capture_on_commit_callbacks(execute=False):
        return document_request(actor=personas.alice, kind="demo", obj=personas.dora_cadre, title="待生成")


# --- download -----------------------------------------------------------------------------------


def test_download_sends_the_pdf_as_an_attachment(
    client: Client, personas: Personas, talk_record: Document, django_assert_num_queries: Any
) -> None:
    login(client, personas.alice)
    with django_assert_num_queries(AUDITED_VIEW_QUERIES):
        response = client.get(reverse("documents:download", args=[talk_record.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert talk_record.verification_code in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == talk_record.file.read()


def test_a_download_is_written_to_the_audit_trail(client: Client, personas: Personas, talk_record: Document) -> None:
    login(client, personas.alice)
    client.get(reverse("documents:download", args=[talk_record.pk]))
    assert AuditEvent.objects.for_object(talk_record).filter(action="read", summary__contains="download").exists()


def test_download_asks_an_anonymous_visitor_to_log_in(client: Client, talk_record: Document) -> None:
    url = reverse("documents:download", args=[talk_record.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_a_hidden_document_answers_404_like_a_missing_one(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.oscar)
    hidden = client.get(reverse("documents:download", args=[talk_record.pk]))
    missing = client.get(reverse("documents:download", args=[talk_record.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404
    assert [t.name for t in hidden.templates] == [t.name for t in missing.templates]
    assert talk_record.title not in hidden.content.decode()


def test_a_document_of_an_unregistered_kind_is_hidden_from_everyone(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    Document.objects.filter(pk=talk_record.pk).update(kind="uninstalled_kind")
    login(client, personas.alice)
    assert client.get(reverse("documents:download", args=[talk_record.pk])).status_code == 404


def test_download_refuses_post(client: Client, personas: Personas, talk_record: Document) -> None:
    login(client, personas.alice)
    assert client.post(reverse("documents:download", args=[talk_record.pk])).status_code == 405


def test_a_document_still_rendering_cannot_be_downloaded_yet(
    client: Client, personas: Personas, pending: Document
) -> None:
    login(client, personas.alice)
    response = client.get(reverse("documents:download", args=[pending.pk]))
    assert response.status_code == 409
    assert pending.title in response.content.decode()


def test_a_rendered_document_whose_file_vanished_answers_404(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    Path(default_storage.path(talk_record.file.name)).unlink()
    login(client, personas.alice)
    assert client.get(reverse("documents:download", args=[talk_record.pk])).status_code == 404


# --- status partial -----------------------------------------------------------------------------


def test_the_status_partial_polls_while_rendering(client: Client, personas: Personas, pending: Document) -> None:
    login(client, personas.alice)
    url = reverse("documents:status", args=[pending.pk])
    response = client.get(url, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="{url}"' in body
    assert 'hx-trigger="every 2s"' in body
    assert "<html" not in body


def test_the_status_partial_offers_the_download_when_ready(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.alice)
    response = client.get(reverse("documents:status", args=[talk_record.pk]), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "hx-get" not in body  # polling stops
    assert reverse("documents:download", args=[talk_record.pk]) in body


def test_the_status_partial_of_a_hidden_document_answers_404(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.carl)
    assert client.get(reverse("documents:status", args=[talk_record.pk])).status_code == 404


def test_the_status_partial_asks_an_anonymous_visitor_to_log_in(client: Client, talk_record: Document) -> None:
    assert client.get(reverse("documents:status", args=[talk_record.pk])).status_code == 302


# --- verification -------------------------------------------------------------------------------


def _verify(client: Client, code: str) -> Any:
    return client.get(reverse("documents:verify", args=[code]), headers={"Accept-Language": "en"})


def test_the_verification_page_says_what_the_document_is_and_that_it_matches(
    client: Client, personas: Personas, talk_record: Document, django_assert_num_queries: Any
) -> None:
    login(client, personas.carl)  # anyone logged in who holds the paper, not only those who may download
    with django_assert_num_queries(AUDITED_VIEW_QUERIES + LAYOUT_QUERIES):
        response = _verify(client, talk_record.verification_code)

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["integrity"] == "matches"
    assert "matches the fingerprint" in body
    assert "does not match" not in body
    assert "谈心谈话记录 张三" in body
    assert "Sample document" in body
    assert talk_record.template_version in body
    assert reverse("documents:download", args=[talk_record.pk]) not in body  # carl may not download


def test_the_verification_page_notices_a_file_altered_on_disk(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.alice)
    assert _verify(client, talk_record.verification_code).context["integrity"] == "matches"

    path = Path(default_storage.path(talk_record.file.name))
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01  # one bit, in the middle of the file
    path.write_bytes(bytes(content))
    response = _verify(client, talk_record.verification_code)

    assert response.context["integrity"] == "altered"
    assert "does not match the fingerprint" in response.content.decode()


def test_the_verification_page_notices_a_missing_file(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    Path(default_storage.path(talk_record.file.name)).unlink()
    login(client, personas.alice)
    assert _verify(client, talk_record.verification_code).context["integrity"] == "missing"


def test_the_verification_page_accepts_the_code_as_people_type_it(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.carl)
    typed = talk_record.verification_code.lower().replace("-", " ")
    response = client.get(reverse("documents:verify_lookup"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:verify", args=[talk_record.verification_code])


def test_a_wrong_code_gets_a_friendly_404(client: Client, personas: Personas, talk_record: Document) -> None:
    login(client, personas.alice)
    response = _verify(client, "0000-0000-00")

    assert response.status_code == 404
    assert "No such document" in response.content.decode()
    assert AuditEvent.objects.filter(action="document.verify_miss").count() == 1


def test_a_malformed_code_gets_the_same_404(client: Client, personas: Personas) -> None:
    login(client, personas.alice)
    assert _verify(client, "hello").status_code == 404
    assert client.get(reverse("documents:verify_lookup"), {"code": "hello"}).status_code == 404


def test_a_verification_is_written_to_the_audit_trail(
    client: Client, personas: Personas, talk_record: Document
) -> None:
    login(client, personas.carl)
    _verify(client, talk_record.verification_code)
    event = AuditEvent.objects.for_object(talk_record).get(action="read")
    assert event.actor == personas.carl


def test_the_verification_page_asks_an_anonymous_visitor_to_log_in(client: Client, talk_record: Document) -> None:
    response = _verify(client, talk_record.verification_code)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_verification_page_refuses_post(client: Client, personas: Personas, talk_record: Document) -> None:
    login(client, personas.alice)
    assert client.post(reverse("documents:verify", args=[talk_record.verification_code])).status_code == 405


def test_the_lookup_form_shows_when_no_code_is_given(client: Client, personas: Personas) -> None:
    login(client, personas.alice)
    response = client.get(reverse("documents:verify_lookup"), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
