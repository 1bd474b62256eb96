"""Roster files for the import tests, written the way Excel, WPS and scripts write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

ZH_HEADER = ["干部编号", "姓名", "性别", "出生日期", "单位编码", "职务", "职级", "账号"]
EN_HEADER = ["cadre_id", "name", "gender", "birth_date", "unit_code", "post", "rank", "username"]

Cell = object


def good_row(number: int, unit_code: str = "A-DRC-1", **changes: Cell) -> list[Cell]:
    """A valid row for cadre T-<number>; `changes` override cells by English column name."""
    row: dict[str, Cell] = {
        "cadre_id": f"T-{number:04d}",
        "name": f"测试{number}号",
        "gender": "女" if number % 2 else "男",
        "birth_date": "1985-03-02",
        "unit_code": unit_code,
        "post": "科员",
        "rank": "一级科员",
        "username": "",
    }
    row.update(changes)
    return [row[key] for key in EN_HEADER]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
