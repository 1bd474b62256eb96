"""Evidence attachments: what may be uploaded, decided from the bytes, never from the name or the browser.

The declared content type and the file name are whatever the client says; the first bytes are what the
file is. Only formats a reviewer needs for evidence are accepted, and the stored type is the sniffed one,
so the download view never serves something else under a harmless label.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MARKERS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}


def sniff_content_type(head: bytes, whole: bytes | None = None) -> str | None:
    """The content type the bytes show, among the accepted ones; None for anything else."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(whole)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        for marker, content_type in _ZIP_MARKERS.items():
            if marker in names:
                return content_type
    return None


def validate_attachment(upload: UploadedFile) -> str:
    """Check size and type of an uploaded evidence file; return its sniffed content type.

    Raises ValidationError when it is larger than settings.MAX_UPLOAD_BYTES or not a PDF, PNG, JPEG,
    Word (.docx) or Excel (.xlsx) file.
    """
    limit: int = settings.MAX_UPLOAD_BYTES
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}, code="too_large"
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    upload.seek(0)
    if len(content) > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}, code="too_large"
        )
    content_type = sniff_content_type(content[:16], content)
    if content_type is None:
        raise ValidationError(
            _("Only PDF, PNG, JPEG, Word (.docx) and Excel (.xlsx) files can be attached."), code="type"
        )
    return content_type
