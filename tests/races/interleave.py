"""Two requests interleaved on purpose, each in its own thread and its own database connection.

A `Gate` holds one thread at a chosen point of a service (after a permission check, say: the check is made,
the write is still to come) while the test starts the other one; `wait_until_blocked_on_lock` then asks
PostgreSQL whether that other one waits for a row lock. So a race is played out in one given order every time,
never left to timing; the timeouts only end a test that would otherwise hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

TIMEOUT = 20

# The statement a request waits in while another holds a case's row: its start only, since PostgreSQL keeps the
# first kilobyte of a statement's text and the case's columns fill it before FOR UPDATE.
CASE_ROW_LOCK = 'SELECT "cases_rectificationcase"."id", "cases_rectificationcase"."state"%'


class Gate:
    """Hold the thread named `holder` when it calls `hold()`, until `release()`."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.reached = threading.Event()
        self.go = threading.Event()

    def hold(self) -> None:
        if threading.current_thread().name != self.holder:
            return
        self.reached.set()
        if not self.go.wait(TIMEOUT):
            raise TimeoutError("the gate was never released")

    def release(self) -> None:
        self.go.set()


def after(function: Callable[..., Any], gate: Gate) -> Callable[..., Any]:
    """`function`, then the gate (around a predicate: its check is made, the write is still to come)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        gate.hold()
        return result

    return wrapper


class Outcome:
    """What a thread's job returned, or the exception it raised."""

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None


def spawn(name: str, job: Callable[[], Any]) -> tuple[threading.Thread, Outcome]:
    """Run `job` in a thread named `name` on its own connection."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.value = job()
        except BaseException as error:
            outcome.error = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, outcome


def join(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} is stuck"


def wait_until_blocked_on_lock(statement_like: str) -> None:
    """Return once another connection waits for a lock while running a statement LIKE `statement_like`."""
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE %s "
                "AND pid <> pg_backend_pid()",
                [statement_like],
            )
            row = cursor.fetchone()
            if row and row[0]:
                return
            # PostgreSQL has no event for "a backend started waiting for a lock": ask again shortly. The loop
            # ends on the condition, not on the time; the deadline only ends a test that would hang.
            time.sleep(0.02)
        cursor.execute(
            "SELECT wait_event_type, wait_event, state, left(query, 160) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = cursor.fetchall()
    raise TimeoutError(f"no connection waits for a lock in {statement_like!r}; the others: {others}")


def first_holds_second_waits(
    gate: Gate, first: Callable[[], Any], second: Callable[[], Any], second_waits_in: str
) -> tuple[Outcome, Outcome]:
    """Run `first` (in a thread named as the gate's holder) up to the gate, then `second` until it waits for a
    lock in a statement LIKE `second_waits_in`, then let `first` go on; both finished, their outcomes."""
    first_thread, first_outcome = spawn(gate.holder, first)
    assert gate.reached.wait(TIMEOUT), "the first request never reached its gate"
    second_thread, second_outcome = spawn(f"{gate.holder}-second", second)
    wait_until_blocked_on_lock(second_waits_in)
    gate.release()
    join(first_thread, second_thread)
    return first_outcome, second_outcome
