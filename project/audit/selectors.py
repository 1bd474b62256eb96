from __future__ import annotations

from typing import TYPE_CHECKING

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
