"""Fast bulk inserts for the two places that write tens of thousands of rows at once: the frozen results of a
large round (evaluations.identification) and the synthetic rounds (evaluations.synthetic).

Django 5.2's bulk_create on PostgreSQL sends each column as an array (INSERT … SELECT * FROM UNNEST(…)), and
psycopg quotes every element of a text/JSON array with a regular expression: for 20,000 results with three
JSON columns that alone took ~12 s of a ~20 s identification. COPY sends the rows as they are. On SQLite,
executemany. Rows bypass the model layer, so callers give values as the database stores them: JSON already
encoded (see `json_text`), UUIDs as uuid.UUID (stored as 32 hex digits on SQLite, as Django does).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

FLUSH_ROWS = 50_000


def json_text(value: Any) -> str:
    """A JSON column's value as COPY and SQLite take it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class BulkInserter:
    """Rows into one table, sent every FLUSH_ROWS and on `flush()` (call it at the end)."""

    model: type[models.Model]
    columns: Sequence[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    count: int = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3's own cursor, for COPY
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                rows = [tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row) for row in self.rows]
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        self.count += len(self.rows)
        self.rows = []
