"""Results pages, the XLSX export and the result-card PDF: who sees what, and k applied in every output."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from cases.rectification.models import RectificationCase
from evaluations.identification import round_identify
from evaluations.models import EvaluationRound, IdentificationStatus, SubjectResult
from evaluations.services import round_publish
from project.audit.models import AuditEvent
from project.documents.models import Document, DocumentStatus
from tests.conftest import Org, Personas
from tests.documents.pdfs import page_texts
from tests.evaluations.built_rounds import BuiltRound, build_closed_round
from tests.fixtures import eager_celery

pytestmark = pytest.mark.django_db

# An executable inline script: a <script> with neither src= nor a JSON type (json_script blocks are data).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
# A figure as the pages print it: a number with two decimals.
FIGURE = re.compile(r"\b\d\.\d\d\b")


@pytest.fixture
def built(org: Org, personas: Personas) -> BuiltRound:
    return build_closed_round(org, personas)


@pytest.fixture
def identified(built: BuiltRound, personas: Personas) -> BuiltRound:
    round_identify(actor=personas.alice, round=built.round)
    return built


@pytest.fixture
def zh_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture(autouse=True)
def _eager_celery_and_private_media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with eager_celery():
        yield


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def page(response: Any) -> str:
    return response.content.decode()


def urls(round: EvaluationRound, cadre_id: int) -> dict[str, str]:
    return {
        "results": reverse("evaluations:results", args=[round.pk]),
        "result_list": reverse("evaluations:result_list", args=[round.pk]),
        "result_card": reverse("evaluations:result_card", args=[round.pk, cadre_id]),
        "results_export": reverse("evaluations:results_export", args=[round.pk]),
        "result_comments": reverse("evaluations:result_comments", args=[round.pk, cadre_id]),
    }


def peer_row(html: str) -> str:
    """The peer line of a result card's table."""
    found = re.search(r"<th scope=\"row\">(?:peer evaluation|同事互评)[^<]*</th>(.*?)</tr>", html, re.S)
    assert found is not None
    return found.group(1)


# --- Who may see the results ---------------------------------------------------------------------------

GET_VIEWS = ["results", "result_list", "result_card", "results_export", "result_comments"]


@pytest.mark.parametrize("name", GET_VIEWS)
def test_anonymous_visitors_are_sent_to_log_in(en_client: Client, identified: BuiltRound, name: str) -> None:
    response = en_client.get(urls(identified.round, identified.dora.pk)[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", GET_VIEWS)
@pytest.mark.parametrize("persona", ["oscar", "carl", "leo", "ivy"])
def test_outsiders_cadres_and_leaders_get_404_on_every_results_page(
    en_client: Client, identified: BuiltRound, personas: Personas, name: str, persona: str
) -> None:
    url = urls(identified.round, identified.dora.pk)[name]
    assert login(en_client, getattr(personas, persona)).get(url).status_code == 404


def test_a_cadre_gets_404_on_their_own_result_card_too(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, personas.carl_cadre.pk])
    assert login(en_client, personas.carl).get(url).status_code == 404


@pytest.mark.parametrize("name", ["results", "result_list", "result_card", "results_export"])
def test_the_auditor_of_the_district_sees_the_results(
    en_client: Client, identified: BuiltRound, personas: Personas, name: str
) -> None:
    assert login(en_client, personas.audrey).get(urls(identified.round, identified.dora.pk)[name]).status_code == 200


def test_the_auditor_may_not_read_the_comments(en_client: Client, identified: BuiltRound, personas: Personas) -> None:
    response = login(en_client, personas.audrey).get(urls(identified.round, identified.dora.pk)["result_comments"])
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="read", object_type="evaluations.subjectresult").exists()


@pytest.mark.parametrize("name", GET_VIEWS)
def test_every_results_page_rejects_post(
    en_client: Client, identified: BuiltRound, personas: Personas, name: str
) -> None:
    assert login(en_client, personas.alice).post(urls(identified.round, identified.dora.pk)[name]).status_code == 405


@pytest.mark.parametrize("name", ["result_list", "result_card", "results_export", "result_comments"])
def test_before_identification_the_results_pages_say_they_are_not_ready(
    en_client: Client, built: BuiltRound, personas: Personas, name: str
) -> None:
    response = login(en_client, personas.alice).get(urls(built.round, built.dora.pk)[name])
    assert response.status_code == 409
    assert "not identified yet" in page(response)


def test_a_cadre_who_is_not_in_the_round_has_no_result_card(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, personas.bella_cadre.pk])
    assert login(en_client, personas.alice).get(url).status_code == 404


# --- Overview and identification ----------------------------------------------------------------------


def test_an_open_round_has_no_live_results(en_client: Client, org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas, close=False)
    html = page(login(en_client, personas.alice).get(reverse("evaluations:results", args=[built.round.pk])))
    assert "only after the round closes" in html
    assert reverse("evaluations:results_identify", args=[built.round.pk]) not in html


def test_the_org_admin_identifies_a_closed_round_from_the_overview(
    en_client: Client, built: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:results", args=[built.round.pk])
    identify = reverse("evaluations:results_identify", args=[built.round.pk])
    login(en_client, personas.alice)
    assert identify in page(en_client.get(url))
    response = en_client.post(identify)
    assert response.status_code == 302
    assert response["Location"] == url
    assert SubjectResult.objects.filter(round=built.round).count() == 10
    html = page(en_client.get(url))
    assert "The candidates are identified and the results are frozen." in html
    assert identify not in html


def test_the_auditor_sees_no_identify_button_and_may_not_post_it(
    en_client: Client, built: BuiltRound, personas: Personas
) -> None:
    login(en_client, personas.audrey)
    identify = reverse("evaluations:results_identify", args=[built.round.pk])
    assert identify not in page(en_client.get(reverse("evaluations:results", args=[built.round.pk])))
    assert en_client.post(identify).status_code == 403
    assert not SubjectResult.objects.exists()


def test_identifying_an_open_round_answers_409(en_client: Client, org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas, close=False)
    response = login(en_client, personas.alice).post(reverse("evaluations:results_identify", args=[built.round.pk]))
    assert response.status_code == 409
    assert "only once the round is closed" in page(response)


def test_identify_rejects_get_and_hides_the_round_from_outsiders(
    en_client: Client, built: BuiltRound, personas: Personas
) -> None:
    identify = reverse("evaluations:results_identify", args=[built.round.pk])
    assert login(en_client, personas.alice).get(identify).status_code == 405
    assert login(Client(), personas.oscar).post(identify).status_code == 404


def test_the_overview_shows_counts_a_chart_fed_by_json_and_no_inline_script(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    html = page(login(en_client, personas.alice).get(reverse("evaluations:results", args=[identified.round.pk])))
    assert '<script id="score-distribution" type="application/json">' in html
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in html
    assert "evaluations/results-chart.js" in html
    assert not INLINE_SCRIPT.search(html)
    assert "综合科" in html  # candidates and turnout per unit
    assert "投资科" in html
    assert "Straight-lined ballots" in html


def test_the_overview_takes_a_fixed_number_of_queries(
    en_client: Client, identified: BuiltRound, personas: Personas, django_assert_num_queries: Any
) -> None:
    url = reverse("evaluations:results", args=[identified.round.pk])
    login(en_client, personas.alice).get(url)
    # session, user, the user's role grants, round with scope, summary
    with django_assert_num_queries(5):
        en_client.get(url)


def test_the_progress_partial_polls_every_second_while_the_task_runs(
    en_client: Client, built: BuiltRound, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = round_identify(actor=personas.alice, round=built.round, inline=False)
    assert run.status == IdentificationStatus.PENDING
    login(en_client, personas.alice)
    overview = page(en_client.get(reverse("evaluations:results", args=[built.round.pk])))
    assert 'hx-trigger="every 1s"' in overview
    url = reverse("evaluations:results_progress", args=[built.round.pk])
    partial = page(en_client.get(url, HTTP_HX_REQUEST="true"))
    assert 'hx-trigger="every 1s"' in partial
    assert "Waiting for a worker" in partial
    callbacks[0]()  # the worker runs it
    response = en_client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "every 1s" not in page(response)


def test_the_progress_partial_of_a_round_never_identified_is_404(
    en_client: Client, built: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:results_progress", args=[built.round.pk])
    assert login(en_client, personas.alice).get(url).status_code == 404


# --- The candidate list --------------------------------------------------------------------------------


def test_the_candidate_list_gives_the_reasons_in_english_to_an_english_reader(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    html = page(login(en_client, personas.alice).get(reverse("evaluations:result_list", args=[identified.round.pk])))
    assert "刘芳" in html  # dora
    assert "Composite index" in html
    assert "综合指数" not in html
    assert "陈刚" not in html  # carl is not a candidate


def test_the_candidate_list_gives_the_reasons_in_chinese_by_default(
    zh_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    html = page(login(zh_client, personas.alice).get(reverse("evaluations:result_list", args=[identified.round.pk])))
    assert "综合指数" in html
    assert "Composite index" not in html


def test_the_list_of_all_cadres_shows_a_group_below_k_as_insufficient_ratings(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_list", args=[identified.round.pk]) + "?all=1"
    html = page(login(en_client, personas.alice).get(url))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    for cadre in identified.section_2:
        (row,) = [r for r in rows if cadre.name in r]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert "insufficient ratings" in cells[4]  # the peer column
        assert not FIGURE.search(cells[4])


def test_the_candidate_list_takes_the_same_queries_for_few_or_many_results(
    en_client: Client, identified: BuiltRound, personas: Personas, django_assert_num_queries: Any
) -> None:
    login(en_client, personas.alice)
    few = reverse("evaluations:result_list", args=[identified.round.pk])
    many = few + "?all=1"
    en_client.get(few)
    # session, user, grants, round, summary, count, the page of results, manifestations
    with django_assert_num_queries(8):
        en_client.get(few)
    with django_assert_num_queries(8):
        en_client.get(many)


# --- The result card -----------------------------------------------------------------------------------


def test_the_result_card_shows_figures_reasons_and_links_for_the_org_admin(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, identified.dora.pk])
    html = page(login(en_client, personas.alice).get(url))
    result = SubjectResult.objects.get(round=identified.round, cadre=identified.dora)
    assert f"{result.figures['composite']:.2f}" in html
    assert f"{result.figures['peer']['adjusted_mean']:.2f}" in peer_row(html)
    assert "Composite index" in html
    assert reverse("evaluations:result_comments", args=[identified.round.pk, identified.dora.pk]) in html
    assert reverse("evaluations:result_card_pdf", args=[identified.round.pk, identified.dora.pk]) in html
    assert "经常推诿" not in html  # comments are on their own page


def test_the_auditor_sees_the_card_without_the_comments_link(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, identified.dora.pk])
    html = page(login(en_client, personas.audrey).get(url))
    assert reverse("evaluations:result_comments", args=[identified.round.pk, identified.dora.pk]) not in html


@pytest.mark.parametrize(("language", "words"), [("en", "insufficient ratings"), ("zh-hans", "评价人数不足")])
def test_a_result_card_below_k_shows_insufficient_ratings_and_no_peer_number(
    identified: BuiltRound, personas: Personas, language: str, words: str
) -> None:
    cadre = identified.section_2[0]
    client = login(Client(HTTP_ACCEPT_LANGUAGE=language), personas.alice)
    html = page(client.get(reverse("evaluations:result_card", args=[identified.round.pk, cadre.pk])))
    cells = re.findall(r"<td[^>]*>(.*?)</td>", peer_row(html), re.S)
    figures, weight = cells[:4], cells[4]  # sheets, mean, adjusted mean, unfavourable; then the round's weight
    assert all(words in cell for cell in figures)
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", "".join(figures)))
    assert weight == "40% → —"  # the round's rule, and that peers dropped out of the composite
    manifestation_rows = re.findall(r"<th scope=\"row\">M\d.*?</tr>", html, re.S)
    assert len(manifestation_rows) == 5
    for line in manifestation_rows:
        peer_cell = re.findall(r"<td[^>]*>(.*?)</td>", line, re.S)[1]
        assert words in peer_cell


def test_the_result_card_takes_a_fixed_number_of_queries(
    en_client: Client, identified: BuiltRound, personas: Personas, django_assert_num_queries: Any
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, identified.dora.pk])
    login(en_client, personas.alice).get(url)
    # session, user, grants, round, summary, the result with cadre and unit, manifestations, its documents,
    # the cadre's cases of the round that the reader may read
    with django_assert_num_queries(9):
        en_client.get(url)


@pytest.mark.parametrize("name", ["result_list", "result_card"])
def test_on_a_phone_the_results_tables_scroll_in_their_own_box_and_the_menu_wraps(
    en_client: Client, identified: BuiltRound, personas: Personas, name: str
) -> None:
    html = page(login(en_client, personas.alice).get(urls(identified.round, identified.dora.pk)[name]))
    tables = html.count("<table")
    assert tables
    assert len(re.findall(r'<div class="table-responsive">\s*<table', html)) == tables
    assert '<nav class="d-flex flex-wrap' in html


# --- The result card's links to the cadre's rectification cases ------------------------------------------------


def test_the_result_card_links_to_the_cadres_case_once_the_round_is_published(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_card", args=[identified.round.pk, identified.dora.pk])
    client = login(en_client, personas.alice)
    assert 'id="result-cases"' not in page(client.get(url))  # no case before publication

    round_publish(actor=personas.alice, round=identified.round)
    case = RectificationCase.objects.get(round_id=identified.round.pk, cadre=identified.dora)
    case_link = f'<a href="{reverse("cases:rectification:detail", args=[case.pk])}">Case {case.pk}</a>'
    assert case_link in page(client.get(url))
    # The auditor of the district reads the case too.
    assert case_link in page(login(Client(HTTP_ACCEPT_LANGUAGE="en"), personas.audrey).get(url))


def test_the_result_card_of_a_cadre_without_a_case_has_no_case_link(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    round_publish(actor=personas.alice, round=identified.round)
    cadre = SubjectResult.objects.filter(round=identified.round, is_candidate=False).first()
    assert cadre is not None
    url = reverse("evaluations:result_card", args=[identified.round.pk, cadre.cadre_id])
    html = page(login(en_client, personas.alice).get(url))
    assert 'id="result-cases"' not in html
    assert not re.search(r"/cases/rectification/\d+/", html)


def test_the_case_links_name_only_cases_the_viewer_may_read(identified: BuiltRound, personas: Personas) -> None:
    round_publish(actor=personas.alice, round=identified.round)
    case = RectificationCase.objects.get(round_id=identified.round.pk, cadre=identified.dora)
    template = Template("{% load rectification_tags %}{% round_cases_of round_id cadre_id as ids %}{{ ids|join:',' }}")

    def ids(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        context = {"request": request, "round_id": identified.round.pk, "cadre_id": identified.dora.pk}
        return template.render(Context(context))

    assert ids(personas.alice) == ids(personas.audrey) == str(case.pk)
    # The inspector, the (unassigned) leader, another district's org_admin, the anonymous: nothing.
    for user in (personas.ivy, personas.leo, personas.oscar, AnonymousUser()):
        assert ids(user) == ""
    # Another cadre's case is not this cadre's; a rendering without a request names nothing.
    assert template.render(Context({"request": None, "round_id": identified.round.pk, "cadre_id": 0})) == ""
    other = RequestFactory().get("/")
    other.user = personas.alice
    context = {"request": other, "round_id": identified.round.pk, "cadre_id": identified.section_2[0].pk}
    assert template.render(Context(context)) == ""


# --- Comments ------------------------------------------------------------------------------------------


def test_the_org_admin_reads_the_comments_and_the_read_is_audited(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    url = reverse("evaluations:result_comments", args=[identified.round.pk, identified.dora.pk])
    response = login(en_client, personas.alice).get(url)
    assert response.status_code == 200
    html = page(response)
    assert "经常推诿，工作拖拉" in html
    assert "需加强责任心" in html  # leo's signed comment
    result = SubjectResult.objects.get(round=identified.round, cadre=identified.dora)
    event = AuditEvent.objects.get(action="read", object_type="evaluations.subjectresult")
    assert event.actor_id == personas.alice.pk
    assert event.object_id == str(result.pk)
    assert "comments" in event.summary
    assert response["Cache-Control"].startswith("max-age=0")


def test_peer_comments_on_a_group_below_k_are_withheld_like_its_figures(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    cadre = identified.section_2[0]
    html = page(
        login(en_client, personas.alice).get(
            reverse("evaluations:result_comments", args=[identified.round.pk, cadre.pk])
        )
    )
    assert "insufficient ratings" in html


# --- XLSX ---------------------------------------------------------------------------------------------


def workbook_rows(response: Any, sheet: str) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def test_the_export_has_every_cadre_and_a_group_below_k_as_words_in_every_peer_cell(
    en_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    response = login(en_client, personas.alice).get(reverse("evaluations:results_export", args=[identified.round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "private, no-store"
    header, *rows = workbook_rows(response, "Results")
    assert len(rows) == 10
    peer_columns = [i for i, title in enumerate(header) if str(title).startswith("Peer")]
    assert len(peer_columns) == 3 + 5  # sheets, raw, adjusted, and M1–M5
    by_id = {row[1]: row for row in rows}
    for cadre in identified.section_2:
        row = by_id[cadre.external_id]
        assert all(row[i] == "insufficient ratings" for i in peer_columns)
    dora = by_id[identified.dora.external_id]
    assert isinstance(dora[header.index("Composite index")], float)
    assert isinstance(dora[header.index("Peer mean (adjusted)")], float)
    assert not any("经常推诿" in str(cell) for row in rows for cell in row)  # no comments


def test_the_chinese_export_writes_the_chinese_words(
    zh_client: Client, identified: BuiltRound, personas: Personas
) -> None:
    response = login(zh_client, personas.alice).get(reverse("evaluations:results_export", args=[identified.round.pk]))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert "评价人数不足" in cells
    assert "insufficient ratings" not in cells


def test_an_export_is_audited(en_client: Client, identified: BuiltRound, personas: Personas) -> None:
    login(en_client, personas.audrey).get(reverse("evaluations:results_export", args=[identified.round.pk]))
    event = AuditEvent.objects.get(action="read", object_type="evaluations.evaluationround")
    assert event.actor_id == personas.audrey.pk
    assert "results export" in event.summary


# --- PDF -------------------------------------------------------------------------------------------------


def request_pdf(client: Client, round: EvaluationRound, cadre_id: int, capture: Any) -> Document:
    with capture(execute=True):
        response = client.post(reverse("evaluations:result_card_pdf", args=[round.pk, cadre_id]))
    assert response.status_code == 302
    return Document.objects.get(kind="result_card", object_id=str(SubjectResult.objects.get(cadre_id=cadre_id).pk))


def test_the_pdf_of_a_card_below_k_prints_insufficient_ratings_and_no_peer_number(
    en_client: Client, identified: BuiltRound, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    cadre = identified.section_2[0]
    document = request_pdf(
        login(en_client, personas.alice), identified.round, cadre.pk, django_capture_on_commit_callbacks
    )
    assert document.status == DocumentStatus.RENDERED, document.error
    text = "\n".join(page_texts(document.file.read()))
    assert "测评结果卡" in text
    assert cadre.name in text
    # The relations table (cells wrap, so read it without whitespace): the peer line holds words only.
    flat = re.sub(r"\s+", "", text)
    peer_line = flat.split("同事互评", 1)[1].split("领导点评", 1)[0]
    assert peer_line.count("评价人数不足") == 4
    assert not re.search(r"\d", peer_line.replace("40%→—", ""))  # the round's weight, and that peers dropped out
    # The manifestations table: self, peer, leader per line; the peer column is words on every line.
    lines = [line for line in text.splitlines() if re.match(r"M\d ", line)]
    assert len(lines) == 5
    assert all(re.search(r" \d\.\d\d 评价人数不足 \d\.\d\d$", line) for line in lines)


def test_the_pdf_of_a_candidate_prints_the_reasons_in_chinese(
    en_client: Client, identified: BuiltRound, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    document = request_pdf(
        login(en_client, personas.alice), identified.round, identified.dora.pk, django_capture_on_commit_callbacks
    )
    text = "".join(page_texts(document.file.read())).replace("\n", "")
    assert "列为重点整治候选对象" in text
    assert "综合指数" in text
    assert "经常推诿" not in text


def test_the_card_pdf_is_downloaded_by_who_sees_the_results_and_nobody_else(
    en_client: Client, identified: BuiltRound, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    document = request_pdf(
        login(en_client, personas.alice), identified.round, identified.dora.pk, django_capture_on_commit_callbacks
    )
    download = reverse("documents:download", args=[document.pk])
    assert login(Client(), personas.alice).get(download).status_code == 200
    assert login(Client(), personas.audrey).get(download).status_code == 200
    for persona in ("oscar", "carl", "leo"):
        assert login(Client(), getattr(personas, persona)).get(download).status_code == 404
    card = page(
        login(Client(), personas.alice).get(
            reverse("evaluations:result_card", args=[identified.round.pk, identified.dora.pk])
        )
    )
    assert download in card


def test_an_outsider_cannot_ask_for_a_card_pdf(en_client: Client, identified: BuiltRound, personas: Personas) -> None:
    url = reverse("evaluations:result_card_pdf", args=[identified.round.pk, identified.dora.pk])
    assert login(en_client, personas.oscar).post(url).status_code == 404
    assert login(Client(), personas.alice).get(url).status_code == 405
    assert not Document.objects.exists()
