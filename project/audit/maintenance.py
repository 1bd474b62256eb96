"""The one hole in the SQLite append-only trigger, for test teardown only.

Django's test runner empties tables with DELETE on SQLite (TRUNCATE on PostgreSQL, which row
triggers don't see). The SQLite trigger therefore asks `audit_maintenance()`, a function this
process registers on each connection; it answers 1 only inside `allow_audit_flush()`. A connection
without the function (the sqlite3 shell, another program) gets an error, so it is refused too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state = threading.local()


def _allowed() -> int:
    return int(getattr(_state, "flush_allowed", False))


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_maintenance", 0, _allowed)


@contextmanager
def allow_audit_flush() -> Iterator[None]:
    """Let this thread's SQLite connection delete audit rows (used by the test runner's flush)."""
    _state.flush_allowed = True
    try:
        yield
    finally:
        _state.flush_allowed = False
