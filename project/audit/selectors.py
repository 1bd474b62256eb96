from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.db import connection

from project.audit.labels import model_for
from project.audit.models import AuditEvent, AuditEventQuerySet
from project.org.permissions import can_view_audit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


def events_visible_to(user: User | AnonymousUser) -> AuditEventQuerySet:
    """The whole trail for auditors; nothing for anyone else.

    Summaries never carry sealed content (services see to that), so an auditor of any subtree may
    read the trail; narrowing it per subtree is done by the object pages that embed it.
    """
    if not can_view_audit(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


def object_type_name(object_type: str) -> str:
    """The model's verbose name in the active language, or the stored type when no model answers to it."""
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


# The distinct object types by a walk up the (object_type, object_id, id) index, one step per type: a plain
# DISTINCT reads every event of the trail, which only grows (PostgreSQL 15 has no skip scan).
_DISTINCT_TYPES_SQL = """
WITH RECURSIVE types(value) AS (
    SELECT MIN(object_type) FROM {table} WHERE object_type > ''
    UNION ALL
    SELECT (SELECT MIN(object_type) FROM {table} WHERE object_type > types.value) FROM types WHERE value IS NOT NULL
)
SELECT value FROM types WHERE value IS NOT NULL
"""


def object_types_in_trail(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """(object_type, verbose name) of the types the trail mentions, by name, for a user who may read it (one
    query). Two models with one verbose name are told apart by their stored type."""
    if not can_view_audit(user):
        return []
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_DISTINCT_TYPES_SQL.format(table=table))
        types = [row[0] for row in cursor.fetchall()]
    named = [(object_type, object_type_name(object_type)) for object_type in types]
    counts = Counter(name for _, name in named)
    return sorted(
        ((value, f"{name} ({value})" if counts[name] > 1 else name) for value, name in named),
        key=lambda choice: (choice[1], choice[0]),
    )
