"""Reading and checking a roster spreadsheet (CSV or XLSX) before anything is written.

Three stages, each with messages a person can act on:

- `read_table` turns bytes into rows of cells. It refuses a file that is not what it claims to be (a
  renamed document called .xlsx, a CSV in an encoding we cannot read, a zip bomb) with `RosterFileError`.
- `parse_rows` checks the header and each row on its own (required cells, gender, dates, lengths) and
  across rows (a cadre id or an account twice). It touches no database.
- `plan_import` checks what needs the database — does the unit exist, may the importer write there, is
  the account free — and sorts the rows into created / updated / unchanged. It reads everything it needs
  in a few queries (units, cadres and accounts fetched by their keys in chunks), never one per row.

All row problems of a file are reported together, so that one round of corrections is enough. Each
names the row as the person sees it in their spreadsheet (the header is row 1) and the column by the
header text they used. Writing is `project.org.services.roster_import`'s job.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from project.org.models import Cadre, Gender, Unit, User

MAX_ROWS = 20_000
# An .xlsx is a zip archive; a few kilobytes can unpack to gigabytes. Real rosters of a few thousand
# rows unpack to a few megabytes, so this bound only stops hostile files.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Keep every `IN (...)` list under the smallest parameter limit of the databases we run on.
QUERY_CHUNK = 900

EXCEL_SERIAL_RANGE = (1, 80_000)  # 1900-01-01 .. 2119: anything else is not a date
EARLIEST_BIRTH_DATE = date(1920, 1, 1)


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster (wrong format, encoding, size, no header)."""


@dataclass(frozen=True)
class RowIssue:
    """One problem: `row` as numbered in the spreadsheet (header = 1), `column` as headed there."""

    row: int
    column: str
    message: str
    position: int = field(default=0, compare=False)  # the column's place in the file, for sorting


def in_reading_order(issues: Iterable[RowIssue]) -> list[RowIssue]:
    """Row by row, and left to right within a row, as the person will go through their file."""
    return sorted(issues, key=lambda issue: (issue.row, issue.position))


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    max_length: int
    required: bool = True

    @property
    def label(self) -> str:
        """How to name the column when the file lacks it: the Chinese and the English header."""
        return f"{self.aliases[0]} / {self.aliases[1]}"


COLUMNS: tuple[Column, ...] = (
    Column("external_id", ("干部编号", "cadre_id", "cadre id", "编号", "id"), 50),
    Column("name", ("姓名", "name"), 100),
    Column("gender", ("性别", "gender", "sex"), 10),
    Column("birth_date", ("出生日期", "birth_date", "birth date", "date of birth", "birthday"), 30),
    Column("unit_code", ("单位编码", "unit_code", "unit code", "单位代码"), 50),
    Column("post", ("职务", "post", "position"), 100),
    Column("rank", ("职级", "rank", "grade"), 50),
    Column("username", ("账号", "username", "用户名", "account"), 150, required=False),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

GENDER_WORDS = {
    "男": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"),
)
# Spreadsheet exports sometimes append a midnight time to a date ("1980-05-17 00:00:00").
_MIDNIGHT = re.compile(r"[ T]0?0:00(:00)?(\.0+)?$")


# --- Reading the file ---------------------------------------------------------------------------


@dataclass
class Table:
    """The cells of the first sheet, row 1 being the header."""

    rows: list[tuple[int, list[object]]]
    excel_epoch: datetime | None = None  # set for XLSX: raw numbers in a date column are serials


def looks_like_xlsx(filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(content: bytes, filename: str) -> Table:
    """The rows of a CSV or XLSX file. Raises RosterFileError when it is neither, or too big."""
    if not content:
        raise RosterFileError(_("The file is empty."))
    _refuse_old_excel(content, filename)
    # Go by the content, not only the name: a workbook saved under a .csv name is still read as one.
    if looks_like_xlsx(filename) or content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    return _read_csv(content)


def check_file(content: bytes, filename: str) -> None:
    """Refuse a file whose content does not match its kind, cheaply (the upload form's first check).

    An .xlsx must be a zip archive holding a workbook, within the unpacked-size bound; anything else
    must decode as text. The full read happens in `read_table`.
    """
    if not content:
        raise RosterFileError(_("The file is empty."))
    _refuse_old_excel(content, filename)
    if looks_like_xlsx(filename) or content.startswith(b"PK\x03\x04"):
        _open_xlsx_archive(content)
    else:
        _decode(content)


def _refuse_old_excel(content: bytes, filename: str) -> None:
    if filename.lower().endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(_("Old Excel files (.xls) are not supported: save the sheet as .xlsx or CSV."))


def _open_xlsx_archive(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError(_not_xlsx_message()) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise RosterFileError(_not_xlsx_message())
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterFileError(_("This workbook unpacks to more data than any roster needs; it was refused."))


def _not_xlsx_message() -> str:
    return _("This file is not a valid Excel workbook (.xlsx). Open it in Excel or WPS and save it again.")


def _read_xlsx(content: bytes) -> Table:
    # Imported here: openpyxl is only needed for spreadsheets, and it is slow to import.
    from openpyxl import load_workbook

    _open_xlsx_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) on broken files
        raise RosterFileError(_not_xlsx_message()) from None
    try:
        if not workbook.worksheets:
            raise RosterFileError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size ("A1") and read-only mode trusts it; read what is there.
        sheet.reset_dimensions()
        rows = _bounded(enumerate(sheet.iter_rows(values_only=True), start=1))
        return Table(rows=[(number, list(cells)) for number, cells in rows], excel_epoch=workbook.epoch)
    except RosterFileError:
        raise
    except Exception:
        raise RosterFileError(_not_xlsx_message()) from None
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        encodings: Sequence[str] = ("utf-8-sig",)
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)  # Excel's "Unicode text" export
    else:
        # Excel on Chinese Windows saves "CSV" in the ANSI code page, GBK; GB18030 is its superset.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise RosterFileError(
        _("This file cannot be read as text. Save it as “CSV UTF-8” (or as an Excel workbook) and upload it again.")
    )


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        rows = _bounded(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))
    except csv.Error:
        raise RosterFileError(_("This file is not a well-formed CSV file (check for unclosed quotes).")) from None
    return Table(rows=[(number, list(cells)) for number, cells in rows])


_Row = TypeVar("_Row")


def _bounded(rows: Iterator[tuple[int, _Row]]) -> list[tuple[int, _Row]]:
    taken: list[tuple[int, _Row]] = []
    for number, row in rows:
        if number > MAX_ROWS + 1:
            raise RosterFileError(
                _("The file has more than %(count)s rows; split it into several files.") % {"count": f"{MAX_ROWS:,}"}
            )
        taken.append((number, row))
    return taken


# --- Checking the rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    row: int
    external_id: str
    name: str
    gender: str
    birth_date: date | None
    unit_code: str  # "" when the file has no unit column and a default unit applies
    post: str
    rank: str
    username: str  # "" leaves any account link as it is
    valid: bool = True  # False: the row has a problem of its own, but its unit and account are still checked


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header text used in the file
    positions: dict[str, int] = field(default_factory=dict)  # column key -> index in the header row
    ignored_columns: list[str] = field(default_factory=list)


def normalize_header(text: str) -> str:
    # NFKC folds full-width letters and spaces (ｎａｍｅ, 姓　名) typed with a Chinese input method.
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()
    folded = re.sub(r"[\s\-_]+", " ", folded).strip()
    return folded.rstrip("*").strip()


_ALIASES = {normalize_header(alias): column.key for column in COLUMNS for alias in column.aliases}


def cell_text(value: object) -> str:
    """A cell as the person sees it: text stripped, 1001.0 as 1001, a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def parse_birth_date(value: object, *, excel_epoch: datetime | None = None) -> date:
    """A birth date from a date cell, an Excel serial number, or text in one of the accepted forms.

    Raises ValueError with a message for the person who typed it.
    """
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool) and excel_epoch is not None:
        if not EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
            raise ValueError(_("“%(value)s” is not a date.") % {"value": cell_text(value)})
        from openpyxl.utils.datetime import from_excel

        parsed = from_excel(value, epoch=excel_epoch).date()
    else:
        text = _MIDNIGHT.sub("", cell_text(value))
        match = next((m for m in (p.match(text) for p in _DATE_PATTERNS) if m), None)
        if match is None:
            raise ValueError(
                _("“%(value)s” is not a date in a form we read: write 1980-05-17, 1980/05/17 or 1980年5月17日.")
                % {"value": text}
            )
        year, month, day = (int(part) for part in match.groups())
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a real calendar date.") % {"value": text}) from None
    today = timezone.localdate()
    if parsed > today:
        raise ValueError(_("The birth date %(date)s is in the future.") % {"date": parsed.isoformat()})
    if parsed < EARLIEST_BIRTH_DATE:
        raise ValueError(_("The birth date %(date)s is before 1920; please check it.") % {"date": parsed.isoformat()})
    return parsed


def _map_header(header: list[object], *, unit_code_required: bool) -> tuple[dict[str, int], ParsedRoster]:
    parsed = ParsedRoster()
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = cell_text(cell)
        if not text:
            continue
        key = _ALIASES.get(normalize_header(text))
        if key is None:
            parsed.ignored_columns.append(text)
            continue
        if key in positions:
            parsed.issues.append(
                RowIssue(
                    1,
                    text,
                    _("The columns “%(first)s” and “%(second)s” mean the same thing; keep only one of them.")
                    % {"first": parsed.headers[key], "second": text},
                    position=index,
                )
            )
            continue
        positions[key] = index
        parsed.headers[key] = text
        parsed.positions[key] = index
    for column in COLUMNS:
        needed = column.required and (column.key != "unit_code" or unit_code_required)
        if needed and column.key not in positions:
            parsed.issues.append(
                RowIssue(
                    1,
                    column.label,
                    _("The column “%(zh)s” (or “%(en)s”) is missing from the header row.")
                    % {"zh": column.aliases[0], "en": column.aliases[1]},
                    position=len(header),
                )
            )
    return positions, parsed


def _issue(parsed: ParsedRoster, row: int, key: str, message: str) -> RowIssue:
    column = parsed.headers.get(key, COLUMN_BY_KEY[key].label)
    return RowIssue(row, column, message, position=parsed.positions.get(key, len(parsed.positions)))


def parse_rows(table: Table, *, unit_code_required: bool = True) -> ParsedRoster:
    """Check the header and every row without the database; duplicates are named with both rows."""
    if not table.rows or not any(cell_text(cell) for cell in table.rows[0][1]):
        raise RosterFileError(
            _("The first row must be the header row (干部编号, 姓名, 性别, 出生日期, 单位编码, 职务, 职级).")
        )
    positions, parsed = _map_header(table.rows[0][1], unit_code_required=unit_code_required)
    if parsed.issues:
        return parsed

    first_row_of_id: dict[str, int] = {}
    first_row_of_username: dict[str, int] = {}
    for number, cells in table.rows[1:]:
        values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        texts = {key: cell_text(value) for key, value in values.items()}
        if not any(texts.values()):
            continue  # blank lines between blocks of a sheet are harmless
        issues_before = len(parsed.issues)

        def problem(key: str, message: str, number: int = number) -> None:
            parsed.issues.append(_issue(parsed, number, key, message))

        for key, text in texts.items():
            column = COLUMN_BY_KEY[key]
            if not text and column.required and key != "unit_code":
                problem(key, _("This cell is empty; it is required."))
            elif len(text) > column.max_length:
                problem(
                    key,
                    _("This cell is too long (%(length)s characters; at most %(max)s).")
                    % {"length": len(text), "max": column.max_length},
                )
        if not texts.get("unit_code") and unit_code_required and "unit_code" in positions:
            problem("unit_code", _("This cell is empty; it is required."))

        gender = ""
        if texts["gender"]:
            gender = GENDER_WORDS.get(texts["gender"].lower(), "")
            if not gender:
                message = _("“%(value)s” is not a gender: write 男 or 女 (or M or F).")
                problem("gender", message % {"value": texts["gender"]})

        birth_date: date | None = None
        if texts["birth_date"]:
            try:
                birth_date = parse_birth_date(values["birth_date"], excel_epoch=table.excel_epoch)
            except ValueError as error:
                problem("birth_date", str(error))

        external_id = texts["external_id"]
        if external_id:
            earlier = first_row_of_id.setdefault(external_id, number)
            if earlier != number:
                problem(
                    "external_id",
                    _(
                        "The cadre id “%(id)s” appears in both row %(first)s and row %(second)s; "
                        "each cadre must appear once."
                    )
                    % {"id": external_id, "first": earlier, "second": number},
                )
        username = texts.get("username", "")
        if username:
            earlier = first_row_of_username.setdefault(username, number)
            if earlier != number:
                problem(
                    "username",
                    _(
                        "The account “%(username)s” appears in both row %(first)s and row %(second)s; "
                        "an account belongs to one cadre."
                    )
                    % {"username": username, "first": earlier, "second": number},
                )

        parsed.rows.append(
            RosterRow(
                row=number,
                external_id=external_id,
                name=texts["name"],
                gender=gender,
                birth_date=birth_date,
                unit_code=texts.get("unit_code", ""),
                post=texts["post"],
                rank=texts["rank"],
                username=username,
                valid=len(parsed.issues) == issues_before and birth_date is not None,
            )
        )
    if not parsed.rows:
        parsed.issues.append(RowIssue(2, "", _("The file has a header row but no cadres below it.")))
    return parsed


# --- Checking against the database --------------------------------------------------------------

UPDATED_FIELDS = ("name", "gender", "birth_date", "unit", "post", "rank", "user", "active")


@dataclass(frozen=True)
class RowChange:
    row: int
    external_id: str
    name: str
    status: str  # "created" | "updated" | "unchanged"
    fields: tuple[str, ...] = ()  # for "updated": which fields change


@dataclass
class RosterPlan:
    to_create: list[Cadre] = field(default_factory=list)
    to_update: list[Cadre] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(1 for change in self.changes if change.status == "unchanged")


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == QUERY_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def plan_import(
    parsed: ParsedRoster,
    *,
    may_import_into: Callable[[Unit], bool],
    default_unit: Unit | None = None,
    lock: bool = False,
) -> RosterPlan:
    """Sort checked rows into cadres to create, to update and unchanged, or report why a row can't go in.

    `may_import_into(unit)` says whether the importer may write cadres of that unit (their org_admin
    subtree, narrowed by a command's --unit). A cadre already on the roster in a unit the importer may
    not write is refused too, so that an import cannot pull a cadre out of another district.
    `lock` takes row locks on the existing cadres (on databases that have them) for the real write.
    """
    plan = RosterPlan()
    rows = parsed.rows

    def problem(row: RosterRow, key: str, message: str) -> None:
        plan.issues.append(_issue(parsed, row.row, key, message))

    codes = {row.unit_code for row in rows if row.unit_code}
    units: dict[str, Unit] = {}
    for batch in _chunks(sorted(codes)):
        units.update((unit.code, unit) for unit in Unit.objects.filter(code__in=batch))

    existing: dict[str, Cadre] = {}
    for batch in _chunks(sorted({row.external_id for row in rows if row.external_id})):
        cadres = Cadre.objects.filter(external_id__in=batch).select_related("unit")
        if lock:
            cadres = cadres.select_for_update(of=("self",))
        existing.update((cadre.external_id, cadre) for cadre in cadres)

    usernames = sorted({row.username for row in rows if row.username})
    accounts: dict[str, User] = {}
    linked_to: dict[str, str] = {}  # username -> external id of the cadre it is linked to now
    for batch in _chunks(usernames):
        accounts.update((user.username, user) for user in User.objects.filter(username__in=batch))
        linked_to.update(Cadre.objects.filter(user__username__in=batch).values_list("user__username", "external_id"))

    allowed: dict[int, bool] = {}

    def may_write(unit: Unit) -> bool:
        if unit.pk not in allowed:
            allowed[unit.pk] = may_import_into(unit)
        return allowed[unit.pk]

    for row in rows:
        issues_before = len(plan.issues)
        unit = units.get(row.unit_code) if row.unit_code else default_unit
        if unit is None and row.unit_code:
            problem(row, "unit_code", _("No unit has the code “%(code)s”.") % {"code": row.unit_code})
        elif unit is not None and not may_write(unit):
            problem(
                row,
                "unit_code",
                _("The unit “%(code)s” is outside the units you may import into.") % {"code": unit.code},
            )
        cadre = existing.get(row.external_id) if row.external_id else None
        if cadre is not None and not may_write(cadre.unit):
            problem(
                row,
                "external_id",
                _(
                    "The cadre id “%(id)s” belongs to a cadre of a unit outside the units you may import into; "
                    "ask that unit's organization department."
                )
                % {"id": row.external_id},
            )
        user: User | None = None
        if row.username:
            user = accounts.get(row.username)
            if user is None:
                problem(row, "username", _("No account has the username “%(username)s”.") % {"username": row.username})
            elif linked_to.get(row.username, row.external_id) != row.external_id:
                problem(
                    row,
                    "username",
                    _("The account “%(username)s” is already linked to another cadre.") % {"username": row.username},
                )
        if len(plan.issues) > issues_before or unit is None or not row.valid or row.birth_date is None:
            continue

        if cadre is None:
            plan.to_create.append(
                Cadre(
                    external_id=row.external_id,
                    name=row.name,
                    gender=row.gender,
                    birth_date=row.birth_date,
                    unit=unit,
                    post=row.post,
                    rank=row.rank,
                    user=user,
                    active=True,
                )
            )
            plan.changes.append(RowChange(row.row, row.external_id, row.name, "created"))
            continue
        wanted: dict[str, object] = {
            "name": row.name,
            "gender": row.gender,
            "birth_date": row.birth_date,
            "unit_id": unit.pk,
            "post": row.post,
            "rank": row.rank,
            "active": True,
        }
        if user is not None:
            wanted["user_id"] = user.pk
        changed = tuple(name for name, value in wanted.items() if getattr(cadre, name) != value)
        if not changed:
            plan.changes.append(RowChange(row.row, row.external_id, row.name, "unchanged"))
            continue
        for name in changed:
            setattr(cadre, name, wanted[name])
        if "unit_id" in changed:
            cadre.unit = unit
        if "user_id" in changed:
            cadre.user = user
        plan.to_update.append(cadre)
        labels = tuple(name.removesuffix("_id") for name in changed)
        plan.changes.append(RowChange(row.row, row.external_id, row.name, "updated", labels))
    return plan
