"""What makes a ballot cheap to show and to store, and must not change what it shows or stores.

An empty sheet comes from a cached skeleton of one colleague's section (evaluations/forms.py SheetSkeleton);
on PostgreSQL the ballot page is read in one statement (selectors.ballot_by_token) and the sheet written in
one (services.ballot_submit). See docs/BENCHMARKS.md, "Load: ballot submission".
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from evaluations import forms as forms_module
from evaluations import selectors
from evaluations.forms import SECTION_TEMPLATE, RatingSheetForm, SheetSkeleton
from evaluations.models import BallotToken, EvaluationRound, Manifestation, PeerRating, PeerScore, PeerSheet
from evaluations.services import OpenedRound, ballot_submit, hash_token
from project.org.models import Cadre
from tests.evaluations.conftest import ratings_for
from tests.services import require_postgres

ITEMS = [
    Manifestation(pk=11, round_id=1, code="M1", label_zh="推诿<扯皮>", label_en="Passing the buck & stalling", order=1),
    Manifestation(pk=12, round_id=1, code="M2", label_zh="敷衍", label_en='"Going through the motions"', order=2),
]
COLLEAGUES = [
    Cadre(pk=7, name="张三", post="科员"),
    Cadre(pk=8, name="O'Brien <script>alert(1)</script>", post="副科长 & 主任"),
    Cadre(pk=1234567, name="李四", post=""),
]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def rendered_section_by_section(form: RatingSheetForm) -> str:
    """The sheet as the template renders it, one colleague after the other, with no skeleton."""
    return "".join(render_to_string(SECTION_TEMPLATE, {"section": section}) for section in form.sections())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_empty_sheet_from_the_skeleton_is_byte_for_byte_the_rendered_one(language: str) -> None:
    with translation.override(language):
        form = RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS)
        first, again = form.sections_html(), form.sections_html()  # rendered and cached, then from the cache
        assert first == rendered_section_by_section(form)
        assert again == first


def test_a_skeleton_is_rendered_once_for_every_sheet_with_the_same_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[str] = []
    real: Callable[..., str] = forms_module.render_to_string

    def counting(template: str, context: dict[str, Any]) -> str:
        renders.append(template)
        return real(template, context)

    monkeypatch.setattr(forms_module, "render_to_string", counting)
    with translation.override("en"):
        RatingSheetForm(subjects=COLLEAGUES[:2], manifestations=ITEMS).sections_html()
        RatingSheetForm(subjects=COLLEAGUES[1:], manifestations=ITEMS).sections_html()
        assert renders == [SECTION_TEMPLATE]
        RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS[:1]).sections_html()  # other questions
        assert renders == [SECTION_TEMPLATE] * 2
    with translation.override("zh-hans"):
        RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS).sections_html()  # another language
    assert renders == [SECTION_TEMPLATE] * 3


def test_names_posts_and_labels_are_escaped_in_a_sheet_from_the_skeleton() -> None:
    with translation.override("en"):
        html = RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS).sections_html()
    assert "<script>" not in html
    assert "O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "副科长 &amp; 主任" in html
    assert "Passing the buck &amp; stalling" in html
    assert "&quot;Going through the motions&quot;" in html
    assert "\x00" not in html
    assert 'name="s1234567-m12"' in html
    assert 'id="subject-1234567"' in html


def test_each_language_gets_its_own_skeleton() -> None:
    with translation.override("en"):
        english = RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS).sections_html()
    with translation.override("zh-hans"):
        chinese = RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS).sections_html()
    assert "Passing the buck" in english
    assert "推诿&lt;扯皮&gt;" in chinese
    assert "Passing the buck" not in chinese


def test_a_skeleton_survives_a_cache_that_pickles_like_redis() -> None:
    skeleton = SheetSkeleton.render(ITEMS)
    assert pickle.loads(pickle.dumps(skeleton)) == skeleton  # noqa: S301 - our own object


def test_a_sheet_with_answers_and_errors_is_rendered_from_the_form_not_the_skeleton() -> None:
    data: dict[str, str] = {}
    for colleague in COLLEAGUES:
        for item in ITEMS:
            data[f"s{colleague.pk}-m{item.pk}"] = "3"
        data[f"s{colleague.pk}-grade"] = "basic"
        data[f"s{colleague.pk}-comment"] = "有担当"
    del data["s8-m12"]
    with translation.override("en"):
        RatingSheetForm(subjects=COLLEAGUES, manifestations=ITEMS).sections_html()  # a skeleton in the cache
        form = RatingSheetForm(data, subjects=COLLEAGUES, manifestations=ITEMS)
        assert not form.is_valid()
        html = form.sections_html()
        assert html == rendered_section_by_section(form)
    assert html.count(" checked") == len(COLLEAGUES) * (len(ITEMS) + 1) - 1  # every answer given, still chosen
    assert html.count("有担当</textarea>") == len(COLLEAGUES)
    assert 'aria-describedby="id_s8-m12-error"' in html
    assert "Choose how often you observed this." in html


# --- PostgreSQL: one statement to read a ballot page, one to store a sheet ------------------------------------


def shown(ballot: selectors.OpenBallot) -> tuple[object, ...]:
    round = ballot.round
    return (
        (round.pk, round.title, round.state, round.period_start, round.period_end),
        [(c.pk, c.name, c.post) for c in ballot.subjects],
        [(m.pk, m.code, m.label_zh, m.label_en, m.order, m.label) for m in ballot.manifestations],
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_ballot_page_reads_what_the_orm_reads_in_one_statement(
    draft_round: EvaluationRound, opened: OpenedRound, django_assert_num_queries: Any
) -> None:
    require_postgres()
    for issued in opened.tokens:
        with django_assert_num_queries(1):
            ballot = selectors.ballot_by_token(issued.token)
        found = selectors._ballot_row_orm(hash_token(issued.token))
        assert found is not None
        used, round, subjects, manifestations = found
        assert not used
        assert shown(ballot) == shown(selectors.OpenBallot(round, subjects, manifestations))
        assert [c.pk for c in ballot.subjects] == sorted(
            issued.subject_ids, key=lambda pk: (Cadre.objects.get(pk=pk).name, pk)
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_sheet_is_stored_in_one_statement_after_the_two_locks(
    draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    require_postgres()
    ballot = opened.tokens[0]
    ratings = ratings_for(ballot.subject_ids, draft_round, value=2, comment=" 推诿 ")
    with CaptureQueriesContext(connection) as captured:
        ballot_submit(token=ballot.token, ratings=ratings)
    # the round FOR SHARE, the token FOR UPDATE, the write (and the savepoints of the test's transaction)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert [sql.split()[-2:] for sql in statements[:2]] == [["OF", "r"], ["FOR", "UPDATE"]]
    assert len(statements) == 3
    sheet = PeerSheet.objects.get()
    stored = PeerRating.objects.filter(sheet=sheet)
    assert sorted(stored.values_list("subject_id", flat=True)) == sorted(ballot.subject_ids)
    assert set(stored.values_list("round_id", "grade", "comment")) == {(draft_round.pk, "competent", "推诿")}
    assert PeerScore.objects.filter(rating__sheet=sheet).count() == len(ballot.subject_ids) * len(ratings[0].scores)
    assert set(PeerScore.objects.filter(rating__sheet=sheet).values_list("value", flat=True)) == {2}
    assert BallotToken.objects.get(pk=hash_token(ballot.token)).used
