"""The decision letter: registered as a document kind, rendered on commit, readable by the right people."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.matters.documents import KIND, REFUSAL_LETTER, TOLERANCE_LETTER
from cases.matters.models import AccountabilityMatter, Outcome
from project.documents.models import Document
from project.documents.permissions import can_view_document
from project.documents.registry import get_document_kind
from tests.cases.matters.states import NOT_TOLERATED_ANSWERS, decided
from tests.conftest import Personas
from tests.documents.pdfs import reader

pytestmark = pytest.mark.django_db


def letter_of(matter: AccountabilityMatter) -> Document:
    return Document.objects.get(kind=KIND, object_id=str(matter.pk))


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as handle:
        pdf = reader(handle.read())
    return "".join(page.extract_text() for page in pdf.pages)


def test_the_cases_app_registers_the_matter_decision_kind() -> None:
    assert get_document_kind(KIND).kind == "matter_decision"


def test_an_exemption_letter_is_rendered_with_its_chinese_title_and_reasons(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        matter = decided(personas)
    document = letter_of(matter)
    assert document.is_rendered, document.error
    text = pdf_text(document)
    assert TOLERANCE_LETTER in text
    assert "陈刚" in text
    assert "先行先试" in text  # the T1 ground among the reasons
    assert "建议免予问责" in text  # the engine's conclusion


def test_a_refusal_letter_carries_the_other_title(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        matter = decided(personas, outcome=Outcome.NOT_TOLERATED, answers=NOT_TOLERATED_ANSWERS)
    text = pdf_text(letter_of(matter))
    assert REFUSAL_LETTER in text
    assert TOLERANCE_LETTER not in text


def test_the_letter_is_visible_to_the_file_and_to_the_cadre_but_not_to_outsiders(
    personas: Personas, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        matter = decided(personas)
    document = letter_of(matter)
    for person in (personas.rita, personas.alice, personas.audrey, personas.carl):
        assert can_view_document(person, document), person
    for person in (personas.oscar, personas.leo):
        assert not can_view_document(person, document), person
    client.force_login(personas.carl, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:matters:own_detail", kwargs={"pk": matter.pk})).content.decode()
    assert reverse("documents:download", kwargs={"pk": document.pk}) in page
    assert client.get(reverse("documents:download", kwargs={"pk": document.pk})).status_code == 200
