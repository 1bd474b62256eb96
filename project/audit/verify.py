"""Walk the chain and report the first event whose link or content no longer matches."""

from __future__ import annotations

from dataclasses import dataclass

from project.audit.chain import GENESIS_HASH, canonical, link_hash
from project.audit.models import AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.pk, "its previous-hash does not match the event before it")
        recomputed = link_hash(
            event.prev_hash,
            canonical(
                created_at=event.created_at,
                actor_id=event.actor_id,
                actor_label=event.actor_label,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                summary=event.summary,
                data=event.data,
            ),
        )
        if recomputed != event.hash:
            return ChainReport(checked, event.pk, "its content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
