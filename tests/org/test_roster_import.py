"""The roster import: reading CSV and XLSX, checking every row, all or nothing, re-imports, the page."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from project.audit.models import AuditEvent
from project.org.models import Cadre, Gender
from project.org.roster_import import RosterFileError, RowIssue, parse_birth_date
from project.org.services import RosterImportResult, role_grant, roster_import
from tests.conftest import Org, Personas, make_user
from tests.org.rosters import EN_HEADER, ZH_HEADER, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = reverse("org:roster_import")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English; one test below checks the Chinese catalogue.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def import_as(actor: Any, content: bytes, filename: str = "roster.csv", **kwargs: Any) -> RosterImportResult:
    return roster_import(actor=actor, content=content, filename=filename, **kwargs)


def only_issue(result: RosterImportResult) -> RowIssue:
    assert len(result.issues) == 1, result.issues
    return result.issues[0]


# --- Happy paths ------------------------------------------------------------------------------------


def test_a_csv_with_chinese_headers_puts_each_cadre_on_the_roster(personas: Personas, org: Org) -> None:
    rows = [good_row(1), good_row(2, unit_code="A-DRC-2", gender="男", birth_date="1979/11/03")]

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, rows))

    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    second = Cadre.objects.get(external_id="T-0002")
    assert (second.name, second.gender, second.birth_date) == ("测试2号", Gender.MALE, date(1979, 11, 3))
    assert (second.unit, second.post, second.rank, second.active) == (org.section_2, "科员", "一级科员", True)


def test_a_csv_with_english_headers_is_read_the_same_way(personas: Personas) -> None:
    rows = [good_row(1, gender="F"), good_row(2, gender="m")]

    result = import_as(personas.alice, csv_bytes(EN_HEADER, rows))

    assert result.ok
    assert result.created == 2
    assert list(Cadre.objects.filter(external_id__startswith="T-").values_list("gender", flat=True)) == ["F", "M"]


def test_an_xlsx_with_chinese_headers_and_excel_date_cells_is_imported(personas: Personas) -> None:
    rows = [good_row(1, birth_date=datetime(1980, 5, 17)), good_row(2, birth_date=date(1990, 1, 2), cadre_id=1002)]

    result = import_as(personas.alice, xlsx_bytes(ZH_HEADER, rows), "名册.xlsx")

    assert result.ok
    assert result.created == 2
    assert Cadre.objects.get(external_id="T-0001").birth_date == date(1980, 5, 17)
    # A numeric id typed into Excel comes back as 1002, not 1002.0.
    assert Cadre.objects.get(external_id="1002").birth_date == date(1990, 1, 2)


def test_an_xlsx_with_english_headers_is_imported(personas: Personas) -> None:
    result = import_as(personas.alice, xlsx_bytes(EN_HEADER, [good_row(1, birth_date="1980年5月17日")]), "r.xlsx")

    assert result.ok
    assert result.created == 1
    assert Cadre.objects.get(external_id="T-0001").birth_date == date(1980, 5, 17)


def test_a_utf8_bom_does_not_hide_the_first_column(personas: Personas) -> None:
    content = csv_bytes(ZH_HEADER, [good_row(1)], encoding="utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")

    result = import_as(personas.alice, content)

    assert result.ok
    assert result.created == 1


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read(personas: Personas) -> None:
    result = import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1)], encoding="gb18030"))

    assert result.ok
    assert Cadre.objects.get(external_id="T-0001").name == "测试1号"


def test_headers_are_recognised_despite_case_spaces_and_full_width_letters(personas: Personas) -> None:
    header = ["Cadre ID", "ｎａｍｅ", " 性别 ", "Birth Date", "UNIT_CODE", "Post", "Rank", "备注"]

    result = import_as(personas.alice, csv_bytes(header, [[*good_row(1)[:7], "anything"]]))

    assert result.ok
    assert result.created == 1
    assert result.ignored_columns == ["备注"]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(personas: Personas) -> None:
    rows = [good_row(1), ["", "", "", "", "", "", "", ""], good_row(3, gender="?")]

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, rows))

    assert only_issue(result).row == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1980-05-17", date(1980, 5, 17)),
        ("1980/05/17", date(1980, 5, 17)),
        ("1980/5/7", date(1980, 5, 7)),
        ("1980年5月17日", date(1980, 5, 17)),
        ("1980-05-17 00:00:00", date(1980, 5, 17)),
        (datetime(1980, 5, 17), date(1980, 5, 17)),
        (date(1980, 5, 17), date(1980, 5, 17)),
    ],
)
def test_every_accepted_date_form_is_read(value: object, expected: date) -> None:
    assert parse_birth_date(value) == expected


def test_an_excel_serial_number_is_read_as_a_date_in_a_workbook_only() -> None:
    assert parse_birth_date(29358, excel_epoch=datetime(1899, 12, 30)) == date(1980, 5, 17)
    with pytest.raises(ValueError, match="not a date"):
        parse_birth_date("29358")


# --- Every error names its row and column ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"name": ""}, "姓名", "This cell is empty; it is required."),
        ({"cadre_id": " "}, "干部编号", "This cell is empty"),
        ({"gender": "未知"}, "性别", "“未知” is not a gender: write 男 or 女 (or M or F)."),
        ({"birth_date": "17.05.1980"}, "出生日期", "is not a date in a form we read"),
        ({"birth_date": "1980-02-30"}, "出生日期", "“1980-02-30” is not a real calendar date."),
        ({"birth_date": "2999-01-01"}, "出生日期", "is in the future"),
        ({"birth_date": "1899-01-01"}, "出生日期", "before 1920"),
        ({"unit_code": "NOPE"}, "单位编码", "No unit has the code “NOPE”."),
        ({"unit_code": ""}, "单位编码", "This cell is empty"),
        ({"unit_code": "B-GOV"}, "单位编码", "The unit “B-GOV” is outside the units you may import into."),
        ({"username": "ghost"}, "账号", "No account has the username “ghost”."),
        ({"username": "carl"}, "账号", "The account “carl” is already linked to another cadre."),
        ({"post": "长" * 101}, "职务", "too long (101 characters; at most 100)"),
        ({"rank": ""}, "职级", "This cell is empty"),
    ],
)
def test_each_kind_of_problem_names_the_row_and_the_column_and_writes_nothing(
    personas: Personas, changes: dict[str, str], column: str, message: str
) -> None:
    before = Cadre.objects.count()
    content = csv_bytes(ZH_HEADER, [good_row(1), good_row(2, **changes)])

    result = import_as(personas.alice, content)

    issue = only_issue(result)
    assert (issue.row, issue.column) == (3, column)
    assert message in issue.message
    assert Cadre.objects.count() == before


def test_the_column_is_named_by_the_header_the_person_used(personas: Personas) -> None:
    result = import_as(personas.alice, csv_bytes(EN_HEADER, [good_row(1, gender="x")]))

    assert (only_issue(result).row, only_issue(result).column) == (2, "gender")


def test_a_missing_column_is_reported_on_the_header_row(personas: Personas) -> None:
    header = [h for h in ZH_HEADER if h != "出生日期"]
    rows = [[cell for i, cell in enumerate(good_row(1)) if i != 3]]

    issue = only_issue(import_as(personas.alice, csv_bytes(header, rows)))

    assert (issue.row, issue.column) == (1, "出生日期 / birth_date")
    assert "“出生日期” (or “birth_date”) is missing" in issue.message


def test_two_columns_meaning_the_same_are_refused(personas: Personas) -> None:
    header = [*ZH_HEADER, "name"]

    issue = only_issue(import_as(personas.alice, csv_bytes(header, [[*good_row(1), "x"]])))

    assert (issue.row, issue.column) == (1, "name")
    assert "“姓名” and “name” mean the same thing" in issue.message


def test_a_cadre_id_twice_in_the_file_names_both_rows(personas: Personas) -> None:
    rows = [good_row(1), good_row(2), good_row(3, cadre_id="T-0001")]

    issue = only_issue(import_as(personas.alice, csv_bytes(ZH_HEADER, rows)))

    assert (issue.row, issue.column) == (4, "干部编号")
    assert "appears in both row 2 and row 4" in issue.message


def test_an_account_twice_in_the_file_names_both_rows(personas: Personas) -> None:
    make_user("newbie")
    rows = [good_row(1, username="newbie"), good_row(2, username="newbie")]

    issue = only_issue(import_as(personas.alice, csv_bytes(ZH_HEADER, rows)))

    assert (issue.row, issue.column) == (3, "账号")
    assert "appears in both row 2 and row 3" in issue.message


def test_all_problems_are_reported_at_once_in_reading_order(personas: Personas) -> None:
    rows = [good_row(1, unit_code="NOPE", gender="?"), good_row(2), good_row(3, name="", birth_date="x")]

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, rows))

    assert [(issue.row, issue.column) for issue in result.issues] == [
        (2, "性别"),
        (2, "单位编码"),
        (4, "姓名"),
        (4, "出生日期"),
    ]


def test_a_file_with_one_bad_row_writes_nothing_at_all(personas: Personas) -> None:
    before_cadres, before_events = Cadre.objects.count(), AuditEvent.objects.count()
    rows = [good_row(n) for n in range(1, 50)] + [good_row(50, birth_date="someday")]

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, rows))

    assert not result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert Cadre.objects.count() == before_cadres
    assert AuditEvent.objects.count() == before_events


def test_the_error_messages_are_in_chinese_for_a_chinese_reader(personas: Personas) -> None:
    with translation.override("zh-hans"):
        issue = only_issue(import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1, gender="x")])))

    # Fails when the catalogue is not compiled: run `make messages`.
    assert "性别" in issue.message
    assert "男" in issue.message
    assert "is not a gender" not in issue.message


# --- Whose units -----------------------------------------------------------------------------------


def test_an_org_admin_of_another_district_cannot_import_into_district_a(personas: Personas) -> None:
    result = import_as(personas.oscar, csv_bytes(ZH_HEADER, [good_row(1, unit_code="B-GOV"), good_row(2)]))

    issue = only_issue(result)
    assert (issue.row, issue.column) == (3, "单位编码")
    assert "outside the units you may import into" in issue.message
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()


def test_an_import_cannot_pull_a_cadre_of_another_district_into_ones_own(personas: Personas) -> None:
    content = csv_bytes(ZH_HEADER, [good_row(1, cadre_id="B-0001")])

    issue = only_issue(import_as(personas.alice, content))

    assert (issue.row, issue.column) == (2, "干部编号")
    assert Cadre.objects.get(external_id="B-0001").name == "黄蓓"


def test_someone_without_the_org_admin_role_may_not_import(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        import_as(personas.leo, csv_bytes(ZH_HEADER, [good_row(1, unit_code="A-DRC")]))


def test_the_command_can_narrow_the_import_to_a_unit_that_is_the_default_for_rows_without_one(org: Org) -> None:
    header = [h for h in ZH_HEADER if h != "单位编码"]
    rows = [[cell for i, cell in enumerate(good_row(1)) if i != 4]]

    result = roster_import(actor=None, content=csv_bytes(header, rows), filename="r.csv", unit=org.section_2)

    assert result.ok
    assert Cadre.objects.get(external_id="T-0001").unit == org.section_2


def test_a_row_outside_the_narrowed_unit_is_refused(org: Org) -> None:
    content = csv_bytes(ZH_HEADER, [good_row(1, unit_code="A-DRC-1")])

    result = roster_import(actor=None, content=content, filename="r.csv", unit=org.section_2)

    assert only_issue(result).column == "单位编码"


# --- Re-imports ------------------------------------------------------------------------------------


def test_a_reimport_updates_cadres_by_their_id_instead_of_adding_them_again(personas: Personas, org: Org) -> None:
    rows = [good_row(n) for n in range(1, 6)]
    import_as(personas.alice, csv_bytes(ZH_HEADER, rows))
    rows[1] = good_row(2, post="副科长", rank="四级主任科员", unit_code="A-DRC-2")
    rows.append(good_row(6))

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, rows))

    assert (result.created, result.updated, result.unchanged) == (1, 1, 4)
    assert Cadre.objects.filter(external_id__startswith="T-").count() == 6
    moved = Cadre.objects.get(external_id="T-0002")
    assert (moved.post, moved.rank, moved.unit) == ("副科长", "四级主任科员", org.section_2)
    updated = next(change for change in result.changes if change.status == "updated")
    assert set(updated.fields) == {"unit", "post", "rank"}


def test_an_unchanged_reimport_changes_nothing(personas: Personas) -> None:
    content = csv_bytes(ZH_HEADER, [good_row(n) for n in range(1, 4)])
    import_as(personas.alice, content)

    result = import_as(personas.alice, content)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_an_account_is_linked_by_username_and_a_blank_cell_keeps_the_link(personas: Personas) -> None:
    make_user("newbie")
    import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1, username="newbie")]))
    assert Cadre.objects.get(external_id="T-0001").user is not None

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1, username="")]))

    assert result.unchanged == 1
    assert Cadre.objects.get(external_id="T-0001").user.username == "newbie"  # type: ignore[union-attr]


def test_a_reimport_of_a_linked_cadre_with_its_own_account_is_fine(personas: Personas) -> None:
    row = good_row(0, cadre_id="A-0002", name="陈刚", gender="男", birth_date="1980-05-17", username="carl")

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, [row]))

    assert (result.updated, result.unchanged) == (0, 1)


# --- Audit and efficiency ------------------------------------------------------------------------


def test_one_audit_event_records_the_counts_of_the_whole_import(personas: Personas) -> None:
    before = AuditEvent.objects.count()

    import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(n) for n in range(1, 30)]))

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor) == ("roster.import", personas.alice)
    assert {key: event.data[key] for key in ("created", "updated", "unchanged", "rows")} == {
        "created": 29,
        "updated": 0,
        "unchanged": 0,
        "rows": 29,
    }


def test_a_dry_run_checks_everything_and_writes_nothing(personas: Personas) -> None:
    before_events = AuditEvent.objects.count()

    result = import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1), good_row(2)]), dry_run=True)

    assert result.ok
    assert result.created == 2
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()
    assert AuditEvent.objects.count() == before_events


def test_the_import_reads_and_writes_in_batches_not_once_per_row(personas: Personas) -> None:
    def queries_for(count: int, offset: int, post: str) -> int:
        rows = [good_row(offset + n, unit_code=("A-DRC-1", "A-DRC-2")[n % 2], post=post) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert import_as(personas.alice, csv_bytes(ZH_HEADER, rows)).ok
        return len(queries)

    # Creating, then updating every row: 290 more rows may cost a few more batches, never a query each.
    assert queries_for(300, 1000, "科员") <= queries_for(10, 0, "科员") + 5
    assert queries_for(300, 1000, "副科长") <= queries_for(10, 0, "副科长") + 5


# --- Files that are not what they claim ------------------------------------------------------------


def test_a_text_file_renamed_to_xlsx_is_refused(personas: Personas) -> None:
    with pytest.raises(RosterFileError, match="not a valid Excel workbook"):
        import_as(personas.alice, csv_bytes(ZH_HEADER, [good_row(1)]), "roster.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused(personas: Personas) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")

    with pytest.raises(RosterFileError, match="not a valid Excel workbook"):
        import_as(personas.alice, buffer.getvalue(), "roster.xlsx")


def test_a_binary_file_named_csv_is_refused(personas: Personas) -> None:
    with pytest.raises(RosterFileError, match="cannot be read as text"):
        import_as(personas.alice, b"\x00\x01\x02\xff\xfe\x00" * 10, "roster.csv")


def test_an_old_xls_file_is_refused_with_advice(personas: Personas) -> None:
    with pytest.raises(RosterFileError, match=r"\.xls\) are not supported"):
        import_as(personas.alice, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "roster.xls")


def test_a_file_without_a_header_row_is_refused(personas: Personas) -> None:
    with pytest.raises(RosterFileError, match="first row must be the header"):
        import_as(personas.alice, b"\n\nT-1,x\n")


# --- The command -----------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_reports_the_counts(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(ZH_HEADER, [good_row(1), good_row(2)]))

    call_command("import_roster", str(path))

    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert Cadre.objects.filter(external_id__startswith="T-").count() == 2


def test_the_command_lists_each_problem_and_fails(org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZH_HEADER, [good_row(1), good_row(2, gender="?")]))

    with pytest.raises(CommandError, match="1 problem found; nothing was imported"):
        call_command("import_roster", str(path))

    assert "row 3, column 性别:" in capsys.readouterr().err
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()


def test_the_command_dry_run_writes_nothing(org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZH_HEADER, [good_row(1)]))

    call_command("import_roster", str(path), "--dry-run", "--unit", "A")

    assert "Dry run, nothing written: 1 to create" in capsys.readouterr().out
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()


def test_the_command_refuses_an_unknown_unit(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ZH_HEADER, [good_row(1)]))

    with pytest.raises(CommandError, match="No unit has the code “NOPE”"):
        call_command("import_roster", str(path), "--unit", "NOPE")


# --- The page --------------------------------------------------------------------------------------


def upload(client: Client, content: bytes, name: str = "roster.csv") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE="en")


def confirm(client: Client, token: str) -> Any:
    return client.post(URL, {"token": token}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_page_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_cadre_without_a_role_may_not_open_the_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.carl)

    assert client.get(URL).status_code == 403
    assert upload(client, csv_bytes(ZH_HEADER, [good_row(1)])).status_code == 403


def test_a_leader_may_not_open_the_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.leo)

    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_the_page_answers_other_methods_with_405(client: Client, personas: Personas, method: str) -> None:
    client.force_login(personas.alice)

    assert getattr(client, method)(URL).status_code == 405


def test_an_org_admin_sees_the_upload_form_with_the_columns(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert "干部编号" in response.content.decode()


def test_previewing_then_confirming_imports_without_uploading_again(
    client: Client, personas: Personas, settings: Any
) -> None:
    client.force_login(personas.alice)
    before_events = AuditEvent.objects.count()

    preview = upload(client, csv_bytes(ZH_HEADER, [good_row(1), good_row(2)]))

    assert preview.status_code == 200
    assert preview.templates[0].name == "org/roster_import_preview.html"
    assert (preview.context["result"].created, preview.context["result"].updated) == (2, 0)
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()
    stored = list((Path(settings.MEDIA_ROOT) / "roster-imports").iterdir())
    assert len(stored) == 1

    done = confirm(client, preview.context["confirm_form"].initial["token"])

    assert done.status_code == 302
    assert done["Location"] == reverse("org:cadre_list")
    assert Cadre.objects.filter(external_id__startswith="T-").count() == 2
    assert AuditEvent.objects.count() == before_events + 1
    assert not stored[0].exists()
    followed = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "Roster imported: 2 created, 0 updated, 0 unchanged." in followed.content.decode()


def test_a_confirmation_cannot_be_replayed(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)
    token = upload(client, csv_bytes(ZH_HEADER, [good_row(1)])).context["confirm_form"].initial["token"]
    confirm(client, token)
    Cadre.objects.filter(external_id="T-0001").update(post="改过")

    again = confirm(client, token)

    assert again.status_code == 302
    assert again["Location"] == URL
    assert Cadre.objects.get(external_id="T-0001").post == "改过"


def test_a_token_from_another_session_is_refused(client: Client, personas: Personas, org: Org) -> None:
    client.force_login(personas.alice)
    token = upload(client, csv_bytes(ZH_HEADER, [good_row(1)])).context["confirm_form"].initial["token"]
    colleague = make_user("alice2")
    role_grant(actor=None, user=colleague, role="org_admin", unit=org.district_a)
    other = Client()
    other.force_login(colleague)

    assert confirm(other, token).status_code == 302
    assert not Cadre.objects.filter(external_id="T-0001").exists()


def test_the_page_shows_the_problems_with_row_and_column(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    response = upload(client, csv_bytes(ZH_HEADER, [good_row(1), good_row(2, birth_date="1980-13-01")]))

    assert response.status_code == 200
    assert [(i.row, i.column) for i in response.context["issues"]] == [(3, "出生日期")]
    page = response.content.decode()
    assert "1 problem found: nothing was imported." in page
    assert "“1980-13-01” is not a real calendar date." in page
    assert "token" not in response.context


def test_an_outsider_importing_into_district_a_is_told_which_row(client: Client, personas: Personas) -> None:
    client.force_login(personas.oscar)

    response = upload(client, csv_bytes(ZH_HEADER, [good_row(1, unit_code="B-GOV"), good_row(2, unit_code="A-DRC")]))

    assert [(i.row, i.column) for i in response.context["issues"]] == [(3, "单位编码")]
    assert "The unit “A-DRC” is outside the units you may import into." in response.content.decode()
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()


def test_an_oversized_file_is_refused_before_it_is_read(client: Client, personas: Personas, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 200
    client.force_login(personas.alice)

    response = upload(client, csv_bytes(ZH_HEADER, [good_row(n) for n in range(1, 20)]))

    assert response.status_code == 200
    assert "The file is larger than 200" in str(response.context["form"].errors["file"])
    assert not Cadre.objects.filter(external_id__startswith="T-").exists()


def test_a_fake_xlsx_upload_is_refused(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    response = upload(client, b"just some text, not a workbook", "roster.xlsx")

    assert "not a valid Excel workbook" in str(response.context["form"].errors["file"])


def test_a_file_of_another_kind_is_refused(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    response = upload(client, b"%PDF-1.7", "roster.pdf")

    assert "Upload a .csv or .xlsx file." in str(response.context["form"].errors["file"])
