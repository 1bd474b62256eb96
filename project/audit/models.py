"""The append-only, hash-chained audit trail.

Each event stores the hash of the one before it; `hash = sha256(prev_hash + canonical(event))`.
Database triggers (see the migrations) refuse UPDATE and DELETE; `verify_audit` finds the first
link that no longer matches, so tampering below the application (a DBA with triggers dropped)
is detected even where it cannot be prevented.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from project.audit.labels import event_label


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


# What audit_record writes as the actor when there is no account, and how a page says it.
_UNACCOUNTED = {"system": _("the system"), "anonymous": _("an anonymous visitor")}


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=150, help_text=_("Kept even if the account changes."))
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=500)
    data = models.JSONField(_("data"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
            models.Index(fields=["action", "id"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def actor_shown(self) -> str:
        """Who acted, in the reader's language when it was no account (the system, an anonymous visitor): the
        stored `actor_label` is part of the chain and stays as written."""
        if self.actor_id is None:
            return str(_UNACCOUNTED.get(self.actor_label, self.actor_label))
        return self.actor_label

    @property
    def label(self) -> str:
        """What the event says, in the reader's language (see `labels`); the stored summary stays as written."""
        return event_label(self)
