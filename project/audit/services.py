"""The one function that writes the audit trail, and the read-logging helper built on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone, translation

from project.audit.chain import GENESIS_HASH, canonical, link_hash
from project.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

# Any constant works; it only has to be the same in every process that writes the chain.
_CHAIN_LOCK_KEY = 727_001


def _lock_chain() -> None:
    """Serialize chain writers until commit, so that each event links to the last committed one.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialized by the
    IMMEDIATE transaction the settings request, so there is nothing to take.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


_SUMMARY_MAX = AuditEvent._meta.get_field("summary").max_length or 500


@dataclass(frozen=True)
class AuditEntry:
    """One event to append: what it says, about which object, with which data."""

    summary: str
    obj: models.Model | None = None
    data: dict[str, Any] = field(default_factory=dict)


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or a new one).

    Call it in the same `transaction.atomic()` block as the change it records: if the change rolls
    back, so does the event. Summaries must not carry sealed content (a visit plan's date, a rater).
    """
    return audit_record_many(actor=actor, action=action, entries=[AuditEntry(summary, obj, data or {})])[0]


def audit_record_many(
    *, actor: User | AnonymousUser | None, action: str, entries: Sequence[AuditEntry]
) -> list[AuditEvent]:
    """Append one event per entry, in order, in a constant number of queries (for bulk actions).

    Same rules as `audit_record`. The summary is cut to the column's length *before* it is hashed,
    so that the stored event verifies.
    """
    if not entries:
        return []
    actor_user = actor if actor is not None and actor.is_authenticated else None
    actor_id = actor_user.pk if actor_user is not None else None
    actor_label = str(actor_user) if actor_user is not None else "system" if actor is None else "anonymous"
    with transaction.atomic():
        _lock_chain()
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        created_at = timezone.now()
        events = []
        for entry in entries:
            summary = entry.summary[:_SUMMARY_MAX]
            object_type = entry.obj._meta.label_lower if entry.obj is not None else ""
            object_id = str(entry.obj.pk) if entry.obj is not None else ""
            event_hash = link_hash(
                prev_hash,
                canonical(
                    created_at=created_at,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    summary=summary,
                    data=entry.data,
                ),
            )
            events.append(
                AuditEvent(
                    created_at=created_at,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    summary=summary,
                    data=entry.data,
                    prev_hash=prev_hash,
                    hash=event_hash,
                )
            )
            prev_hash = event_hash
        # Ids follow list order in one multi-row INSERT, so the chain's order (by id) is this order.
        return AuditEvent.objects.bulk_create(events)


def audit_log_read(*, actor: User | AnonymousUser, obj: models.Model, what: str = "") -> AuditEvent:
    """Record that a person saw a sensitive object (a visit, peer comments, a matter file, a draft)."""
    with translation.override("en"):  # the summary is the chain's English, whatever the reader's language
        label = str(obj._meta.verbose_name)
    return audit_record(
        actor=actor,
        action="read",
        obj=obj,
        summary=f"viewed {label} #{obj.pk}" + (f" ({what})" if what else ""),
    )
