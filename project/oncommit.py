"""Sending Celery tasks after the transaction that wants them has committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """`task.delay(*args)` once the current transaction commits (at once outside a transaction).

    robust=True: a broker that is down is logged and never turns a committed write into an error page;
    the idempotent tasks are re-sent by whoever asks again. A named closure, not functools.partial:
    Django's robust logging reads `__qualname__`, which a partial lacks, and would hide the real error.
    """

    def send() -> None:
        task.delay(*args)

    send.__qualname__ = f"enqueue_on_commit({getattr(task, 'name', task)!s})"
    transaction.on_commit(send, robust=True)


def call_on_commit(function: Callable[..., object], *args: Any) -> None:
    """Like enqueue_on_commit, for a plain function (e.g. one that decides which task to send)."""

    def call() -> None:
        function(*args)

    call.__qualname__ = f"call_on_commit({function.__qualname__})"
    transaction.on_commit(call, robust=True)
