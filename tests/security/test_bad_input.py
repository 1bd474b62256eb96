"""Bad input, generated (hypothesis): the roster import, the anonymous peer ballot and the reviewer's checklist
take arbitrary bytes and arbitrary POST data without a server error, write nothing when they refuse, and say
which field or column is wrong."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cases.matters.models import ChecklistAnswer
from evaluations.models import BallotToken, Grade, PeerSheet
from evaluations.services import OpenedRound, hash_token, round_open
from project.org.models import Cadre, User
from tests.cases.matters.states import investigating
from tests.conftest import Org, Personas
from tests.evaluations.conftest import create_round, sheet_post_data
from tests.org.rosters import EN_HEADER, ZH_HEADER, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

# Each example shares the test's database transaction: the properties compare counts before and after each
# example, so what an earlier example wrote does not matter.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ROSTER_URL = reverse("org:roster_import")
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "shift_jis", "utf-16", "utf-32", "latin-1", "cp1252"]
# Cells people really type, and anything else.
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "男",
            "女",
            "M",
            "f",
            "1980-05-17",
            "1980/5/17",
            "1980年5月17日",
            "2999-01-01",
            "A-DRC-1",
            "B-GOV",
            "NOPE",
            "科员",
            "一级科员",
            "alice",
            "=cmd|' /C calc'!A0",
            "  ",
            "0",
        ]
    ),
    st.text(max_size=60),
)


def login(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- the roster import ------------------------------------------------------------------------------------


def import_roster(client: Client, name: str, content: bytes) -> tuple[Any, bool]:
    """Preview, and confirm when the preview allows it. Returns the last response and whether it imported."""
    preview = client.post(ROSTER_URL, {"file": SimpleUploadedFile(name, content)})
    assert preview.status_code == 200, preview.status_code
    if "confirm_form" not in preview.context:
        return preview, False
    token = preview.context["confirm_form"].initial["token"]
    confirmed = client.post(ROSTER_URL, {"token": token})
    assert confirmed.status_code in (200, 302), confirmed.status_code
    return confirmed, confirmed.status_code == 302


def assert_roster_refusal_names_its_place(response: Any) -> None:
    """A refused file is named at the file field; refused rows are listed by row and column."""
    page = page_text(response)
    form_errors = response.context["form"].errors if "form" in response.context else {}
    issues = response.context.get("issues") or []
    assert form_errors or issues, "refused without saying why"
    for field, messages in form_errors.items():
        assert field in ("file", "__all__")
        for message in messages:
            assert message in page
    for issue in issues:
        # Every issue names its column, except the one about the file as a whole (no rows under the header).
        assert issue.column or "no cadres" in issue.message, issue
        assert issue.row >= 1
        assert issue.message in page


@pytest.fixture
def alice_client(personas: Personas) -> Client:
    return login(personas.alice)


@PROPERTY
@given(content=st.binary(max_size=3000), name=st.sampled_from(["roster.csv", "roster.xlsx", "roster.CSV"]))
def test_arbitrary_bytes_never_break_the_roster_import(alice_client: Client, content: bytes, name: str) -> None:
    before = Cadre.objects.count()
    response, imported = import_roster(alice_client, name, content)
    if not imported:
        assert Cadre.objects.count() == before
        assert_roster_refusal_names_its_place(response)


@PROPERTY
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=10), min_size=1, max_size=6),
    header=st.sampled_from([EN_HEADER, ZH_HEADER, EN_HEADER[:5], ["姓名", "姓名", "name"]]),
    as_xlsx=st.booleans(),
)
def test_random_roster_rows_import_whole_or_not_at_all(
    alice_client: Client, rows: list[list[str]], header: list[str], as_xlsx: bool
) -> None:
    before = Cadre.objects.count()
    if as_xlsx:  # control characters cannot even be written into a workbook
        rows = [[ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row] for row in rows]
    content = xlsx_bytes(header, rows) if as_xlsx else csv_bytes(header, rows)
    response, imported = import_roster(alice_client, "roster.xlsx" if as_xlsx else "roster.csv", content)
    if imported:
        assert Cadre.objects.count() <= before + len(rows)
    else:
        assert Cadre.objects.count() == before
        assert_roster_refusal_names_its_place(response)


@PROPERTY
@given(
    encoding=st.sampled_from(ENCODINGS),
    numbers=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=5, unique=True),
    name=st.text(alphabet="张王李赵陈刘黄周吴郑王丽敏强燕ÄéßЖ", min_size=2, max_size=4),
)
def test_a_roster_in_any_encoding_is_read_or_refused_cleanly(
    alice_client: Client, encoding: str, numbers: list[int], name: str
) -> None:
    rows = [good_row(number, name=name) for number in numbers]
    text = csv_bytes(ZH_HEADER, rows).decode("utf-8")
    content = text.encode(encoding, errors="replace")
    before = Cadre.objects.count()
    response, imported = import_roster(alice_client, "roster.csv", content)
    if imported:
        assert set(Cadre.objects.filter(external_id__in=[row[0] for row in rows]).values_list("name", flat=True)) <= {
            name,
            *Cadre.objects.values_list("name", flat=True),
        }
    else:
        assert Cadre.objects.count() == before
        assert_roster_refusal_names_its_place(response)


# --- the peer ballot --------------------------------------------------------------------------------------


@pytest.fixture
def ballot(org: Org, personas: Personas) -> tuple[OpenedRound, Any]:
    opened = round_open(actor=personas.alice, round=create_round(personas.alice, org.district_a))
    return opened, opened.tokens[0]


def ballot_posts(field_names: list[str], valid: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    values = st.one_of(
        st.sampled_from(["0", "1", "2", "3", "4", "5", "-1", "", "2.0", *Grade.values, "excellent", "x" * 600]),
        st.text(max_size=40),
    )
    keys = st.one_of(st.sampled_from(field_names), st.text(max_size=20))
    arbitrary = st.dictionaries(keys, values, max_size=len(field_names) + 3)
    # A complete sheet with one answer spoilt, missing or added: close to what a real browser sends.
    spoilt = st.tuples(st.sampled_from(field_names), st.one_of(st.none(), values)).map(
        lambda change: {k: v for k, v in {**valid, change[0]: change[1]}.items() if v is not None}
    )
    return st.one_of(arbitrary, spoilt)


def test_arbitrary_ballot_posts_never_break_and_store_a_sheet_only_when_complete(
    ballot: tuple[OpenedRound, Any],
) -> None:
    opened, token = ballot
    round = opened.round
    valid = sheet_post_data(token.subject_ids, round)
    url = reverse("evaluations:ballot", args=[token.token])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    @PROPERTY
    @given(data=ballot_posts(list(valid), valid))
    def check(data: dict[str, str]) -> None:
        sheets = PeerSheet.objects.count()
        used = BallotToken.objects.get(pk=hash_token(token.token)).used
        response = client.post(url, data)
        assert response.status_code in (200, 302, 410), response.status_code
        if response.status_code == 302:
            assert PeerSheet.objects.count() == sheets + 1
            return
        assert PeerSheet.objects.count() == sheets
        assert BallotToken.objects.get(pk=hash_token(token.token)).used == used
        if response.status_code == 200 and data:  # an empty POST shows the blank sheet again (as a GET)
            form = response.context["form"]
            assert form.errors, "refused without saying why"
            assert set(form.errors) <= set(form.fields), "an error that names no field"
            page = page_text(response)
            for _field_id, sentence in form.error_summary():
                assert sentence in page  # "colleague — question: message"

    check()


# --- the accountability-matter checklist ------------------------------------------------------------------


def test_arbitrary_checklist_posts_never_break_and_save_all_or_nothing(personas: Personas) -> None:
    matter = investigating(personas)
    client = login(personas.rita)
    url = reverse("cases:matters:checklist", args=[matter.pk])
    form = client.get(url).context["form"]
    names = [name for name in form.fields if not name.startswith("file_")]
    values = st.one_of(
        st.sampled_from(["yes", "no", "unknown", "favourable", "unfavourable", "neutral", "Yes", "", "x" * 4100]),
        st.text(max_size=40),
    )
    posts = st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=12)), values, max_size=12)

    def snapshot() -> list[tuple[str, str, str]]:
        return list(
            ChecklistAnswer.objects.filter(matter=matter)
            .order_by("criterion_id")
            .values_list("criterion_id", "value", "evidence_note")
        )

    @PROPERTY
    @given(data=posts)
    def check(data: dict[str, str]) -> None:
        before = snapshot()
        response = client.post(url, data)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            return
        assert snapshot() == before
        form = response.context["form"]
        page = page_text(response)
        assert form.errors, "refused without saying why"
        for field, messages in form.errors.items():
            assert field in form.fields, f"an error that names no field: {messages}"
            criterion = field.split("_", 1)[1]
            block = page.split(f'id="criterion-{criterion}"', 1)[1].split('id="criterion-', 1)[0]
            for message in messages:
                assert message in block, f"{field}: {message!r} is not shown at its criterion"

    check()
