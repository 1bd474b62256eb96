"""Row locks a service takes before it writes, for a rule that reads rows it does not change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet


def lock_rows(rows: QuerySet[Any]) -> None:
    """Hold the rows' locks (FOR UPDATE of their own table, in id order) until the transaction ends, reading
    nothing: taken before the service's first audit event, whose chain lock is held until commit
    (docs/ARCHITECTURE.md, "Lock order"). No effect on SQLite, whose writers take turns anyway."""
    list(rows.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
