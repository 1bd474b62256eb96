from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404

from project.http import add_service_errors, found_or_404


class NoteForm(forms.Form):
    note = forms.CharField()


def test_a_service_error_on_a_field_the_form_has_goes_on_that_field() -> None:
    form = NoteForm({"note": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"note": "Too short.", "deadline": "In the past."}))
    assert form.errors["note"] == ["Too short."]
    # The form has no deadline field: that message goes above the form rather than being lost.
    assert form.non_field_errors() == ["In the past."]


def test_a_service_error_without_a_field_goes_above_the_form() -> None:
    form = NoteForm({"note": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("Not now."))
    assert form.non_field_errors() == ["Not now."]
    assert "note" not in form.errors


def test_found_or_404_returns_what_was_found_and_answers_none_with_404() -> None:
    found = object()
    assert found_or_404(found) is found
    with pytest.raises(Http404):
        found_or_404(None)
