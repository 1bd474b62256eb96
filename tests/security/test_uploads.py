"""Uploads are judged by their bytes and their size, never by their name or declared type: the roster import,
visit photos and checklist evidence. A refused file writes nothing and the message sits at its field."""

from __future__ import annotations

import html
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.matters.models import ChecklistAnswer
from cases.rectification.visit_models import VisitAttachment, VisitObservation
from project.org.models import Cadre, User
from tests.cases.matters.states import investigating
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Personas
from tests.org.rosters import EN_HEADER, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROSTER_URL = reverse("org:roster_import")


def login(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


# --- the roster -------------------------------------------------------------------------------------------


def post_roster(client: Client, name: str, content: bytes) -> Any:
    return client.post(ROSTER_URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def assert_refused_at_the_file_field(response: Any, message: str) -> None:
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"]
    assert message in " ".join(errors["file"])
    page = response.content.decode()
    # The message is shown beside the field, whose label names it.
    assert 'id="roster-file-errors"' in page
    assert "Roster file" in page
    assert html.escape(message) in page or message in html.unescape(page)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.xlsx", b"this is no workbook at all", "not a valid Excel workbook"),
        ("roster.xlsx", zip_without_workbook(), "not a valid Excel workbook"),
        ("roster.csv", PNG_BYTES, "cannot be read as text"),
        ("roster.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Upload a .csv or .xlsx file"),
        ("roster.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Old Excel files"),
        ("roster.pdf", PDF_BYTES, "Upload a .csv or .xlsx file"),
        ("roster.csv", b"", "empty"),
    ],
)
def test_a_malformed_roster_file_is_refused_at_its_field_and_writes_nothing(
    personas: Personas, name: str, content: bytes, message: str
) -> None:
    before = Cadre.objects.count()
    assert_refused_at_the_file_field(post_roster(login(personas.alice), name, content), message)
    assert Cadre.objects.count() == before


def test_an_oversized_roster_file_is_refused_whatever_its_content(personas: Personas, settings: Any) -> None:
    content = csv_bytes(EN_HEADER, [good_row(n) for n in range(1, 40)])
    settings.MAX_UPLOAD_BYTES = len(content) - 1
    before = Cadre.objects.count()
    assert_refused_at_the_file_field(post_roster(login(personas.alice), "roster.csv", content), "larger than")
    assert Cadre.objects.count() == before


def test_a_workbook_renamed_to_csv_is_read_as_a_workbook(personas: Personas) -> None:
    content = xlsx_bytes(EN_HEADER, [good_row(1)])
    response = post_roster(login(personas.alice), "roster.csv", content)
    assert response.status_code == 200
    assert "confirm_form" in response.context  # the preview: the content decided, not the name


# --- visit photos -----------------------------------------------------------------------------------------


def observe(client: Client, plan_pk: int, upload: SimpleUploadedFile) -> Any:
    observed = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    return client.post(
        reverse("cases:rectification:visit_observe", args=[plan_pk]),
        {"observed_at": observed, "text": "工位无人", "file": upload},
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>", content_type="application/pdf"), "Only PDF"),
        (SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 64, content_type="image/png"), "Only PDF"),
        (
            SimpleUploadedFile("notes.xlsx", xlsx_bytes(EN_HEADER, []), content_type="image/png"),
            "Only PDF, JPEG and PNG",
        ),
    ],
)
def test_a_visit_photo_that_is_not_one_is_refused_at_its_field(
    personas: Personas, upload: SimpleUploadedFile, message: str
) -> None:
    plan = sealed(personas)
    response = observe(login(personas.ivy), plan.pk, upload)
    assert response.status_code == 400
    form = response.context["observation_form"]
    assert list(form.errors) == ["file"]
    assert message in " ".join(form.errors["file"])
    assert "photo or scan" in response.content.decode()
    assert VisitObservation.objects.count() == 0
    assert VisitAttachment.objects.count() == 0


def test_an_oversized_visit_photo_is_refused_at_its_field(personas: Personas, settings: Any) -> None:
    plan = sealed(personas)
    settings.MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("photo.png", PNG_BYTES + b"\x00" * 200, content_type="image/png")
    response = observe(login(personas.ivy), plan.pk, upload)
    assert response.status_code == 400
    assert "larger than" in " ".join(response.context["observation_form"].errors["file"])
    assert VisitObservation.objects.count() == 0


def test_a_real_visit_photo_is_kept_with_its_sniffed_type(personas: Personas) -> None:
    plan = sealed(personas)
    upload = SimpleUploadedFile("photo.pdf", PNG_BYTES, content_type="application/pdf")
    assert observe(login(personas.ivy), plan.pk, upload).status_code == 302
    assert VisitAttachment.objects.get().content_type == "image/png"


# --- checklist evidence -----------------------------------------------------------------------------------


def test_checklist_evidence_that_is_not_a_document_is_refused_at_its_criterion(
    personas: Personas, settings: Any
) -> None:
    matter = investigating(personas)
    before = list(ChecklistAnswer.objects.values_list("criterion_id", "value", "evidence_note"))
    upload = SimpleUploadedFile("evidence.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    response = login(personas.rita).post(
        reverse("cases:matters:checklist", args=[matter.pk]), {"answer_S1": "yes", "file_S1": upload}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file_S1"]
    page = response.content.decode()
    block = page.split('id="criterion-S1"', 1)[1].split('id="criterion-', 1)[0]
    assert "Only PDF, PNG, JPEG" in block
    assert list(ChecklistAnswer.objects.values_list("criterion_id", "value", "evidence_note")) == before


def test_oversized_checklist_evidence_is_refused(personas: Personas, settings: Any) -> None:
    matter = investigating(personas)
    settings.MAX_UPLOAD_BYTES = 20
    upload = SimpleUploadedFile("evidence.pdf", PDF_BYTES, content_type="application/pdf")
    response = login(personas.rita).post(
        reverse("cases:matters:checklist", args=[matter.pk]), {"answer_S1": "yes", "file_S1": upload}
    )
    assert response.status_code == 400
    assert "larger than" in " ".join(response.context["form"].errors["file_S1"])
    assert not ChecklistAnswer.objects.filter(matter=matter, criterion_id="S1", value="yes").exists()
