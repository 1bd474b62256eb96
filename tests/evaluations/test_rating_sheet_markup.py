"""The rating sheet's radio buttons, written in Python rather than by widget templates (evaluations/forms.py)."""

from __future__ import annotations

from django import forms

from evaluations.forms import RatingSheetForm, radio_buttons, radio_options
from evaluations.models import Manifestation
from project.org.models import Cadre


class _Question(forms.Form):
    answer = forms.ChoiceField(choices=[("a&b", "<b>bold</b>"), ("c", 'say "hi"')], widget=forms.RadioSelect)


def test_radio_buttons_escape_every_value_and_label() -> None:
    field = _Question(data={"answer": "c"})["answer"]
    html = radio_buttons(field, radio_options(field.field.choices, show_value=False), "btn-x")  # type: ignore[attr-defined]
    assert "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'value="a&amp;b"' in html
    assert "say &quot;hi&quot;" in html


def test_radio_buttons_keep_django_ids_and_the_chosen_answer() -> None:
    field = _Question(data={"answer": "c"})["answer"]
    html = radio_buttons(field, radio_options(field.field.choices, show_value=True), "btn-x")  # type: ignore[attr-defined]
    assert html.count('type="radio"') == 2
    assert 'id="id_answer_0"><label class="btn btn-x btn-sm" for="id_answer_0">a&amp;b · &lt;b&gt;' in html
    assert 'id="id_answer_1" checked><label' in html
    assert html.count(" checked") == 1


def test_nothing_is_checked_on_an_empty_sheet() -> None:
    field = _Question()["answer"]
    html = radio_buttons(field, radio_options(field.field.choices, show_value=False), "btn-x")  # type: ignore[attr-defined]
    assert " checked" not in html


def test_sheets_do_not_share_their_fields() -> None:
    subjects = [Cadre(pk=7, name="甲")]
    items = [
        Manifestation(pk=1, code="M1", label_zh="一", label_en="one"),
        Manifestation(pk=2, code="M2", label_zh="二", label_en="two"),
    ]
    first = RatingSheetForm(subjects=subjects, manifestations=items)
    second = RatingSheetForm(subjects=subjects, manifestations=items)
    assert first.fields["s7-m1"] is not second.fields["s7-m1"]
    assert first.fields["s7-m1"].label != first.fields["s7-m2"].label
    first.fields["s7-m1"].label = "changed"
    assert second.fields["s7-m1"].label != "changed"
