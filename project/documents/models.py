"""Stored documents: one rendered PDF of one object, with its fingerprint and verification code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from project.documents.codes import MAX_LENGTH, new_verification_code


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("rendering")
    RENDERED = "rendered", _("rendered")
    FAILED = "failed", _("failed")


def document_upload_to(document: Document, filename: str) -> str:
    # Files are named by id, never by title: titles carry names of people, paths end up in logs.
    created = document.created_at or timezone.now()
    return f"documents/{created:%Y/%m}/document-{document.pk}.pdf"


# ConcurrentTransitionMixin refuses a save whose state changed underneath (optimistic lock), on top of the
# row locks the services take. To mypy it is Any (django-fsm-2 4.2.4), which would make Document and
# every queryset of it Any too; FSMModelMixin, its typed base, stands in for it in type checking.
if TYPE_CHECKING:
    _StatefulModel = FSMModelMixin
else:
    _StatefulModel = ConcurrentTransitionMixin


class Document(_StatefulModel, models.Model):
    """A PDF rendered from a registered kind's template for one object.

    `idempotency_key` is unique, so asking twice for the same document yields the same row. The file
    lives under MEDIA_ROOT and leaves only through the permission-checked download view.
    """

    kind = models.CharField(_("kind"), max_length=50)
    object_type = models.CharField(_("object type"), max_length=100, help_text=_("e.g. cases.talk"))
    object_id = models.CharField(_("object id"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True, editable=False)
    verification_code = models.CharField(
        _("verification code"), max_length=MAX_LENGTH, unique=True, default=new_verification_code, editable=False
    )
    status = FSMField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING, protected=True
    )
    template_name = models.CharField(_("template"), max_length=200, blank=True, editable=False)
    template_version = models.CharField(_("template version"), max_length=40, blank=True, editable=False)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True, editable=False)
    error = models.TextField(_("failure"), blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["object_type", "object_id", "kind"], name="documents_object_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.verification_code})"

    @property
    def is_pending(self) -> bool:
        return bool(self.status == DocumentStatus.PENDING)

    @property
    def is_rendered(self) -> bool:
        return bool(self.status == DocumentStatus.RENDERED)

    @property
    def is_failed(self) -> bool:
        return bool(self.status == DocumentStatus.FAILED)

    # Transitions only set fields; services lock, check, call them, save and audit.

    @transition(field=status, source=DocumentStatus.PENDING, target=DocumentStatus.RENDERED)
    def mark_rendered(
        self, *, file_name: str, sha256: str, size: int, template_name: str, template_version: str
    ) -> None:
        self.file.name = file_name
        self.sha256 = sha256
        self.size = size
        self.template_name = template_name
        self.template_version = template_version
        self.rendered_at = timezone.now()
        self.error = ""

    @transition(field=status, source=DocumentStatus.PENDING, target=DocumentStatus.FAILED)
    def mark_failed(self, *, error: str) -> None:
        self.error = error

    @transition(field=status, source=DocumentStatus.FAILED, target=DocumentStatus.PENDING)
    def retry(self) -> None:
        self.error = ""
