"""Document pages: the permission-checked download, the htmx status partial, the verification page."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from project.audit.services import audit_log_read, audit_record
from project.documents.codes import normalize_verification_code
from project.documents.permissions import can_view_document
from project.documents.registry import UnknownDocumentKind, get_document_kind
from project.documents.selectors import document_by_code_unscoped, document_get_visible, document_integrity

logger = logging.getLogger(__name__)


@require_GET
@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The PDF as an attachment; a hidden document answers 404 exactly like a missing one."""
    document = document_get_visible(user=request.user, pk=pk)
    if document is None:
        raise Http404
    if not document.is_rendered:
        return render(request, "documents/not_ready.html", {"document": document}, status=409)
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        # Rendered but gone from the disk: an operator's problem, not the reader's; the log says so.
        logger.error("document %s is rendered but its file %s is missing", document.pk, document.file.name)
        raise Http404 from None
    audit_log_read(actor=request.user, obj=document, what="download")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.title}-{document.verification_code}.pdf",
        content_type="application/pdf",
    )
    # Personal records: keep them out of shared caches and the browser's back-forward cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status partial: polls itself while rendering, offers the download when ready."""
    document = document_get_visible(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return render(request, "documents/_status.html", {"document": document})


@require_GET
@login_required
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type the code printed on a paper copy; a well-formed code goes to its page."""
    typed = request.GET.get("code", "").strip()[:40]
    if typed:
        code = normalize_verification_code(typed)
        if code is not None:
            return redirect("documents:verify", code=code)
        return render(request, "documents/verify_not_found.html", {"code": typed}, status=404)
    return render(request, "documents/verify_lookup.html")


@require_GET
@login_required
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """What the document with this code is, and whether its stored file is still the rendered one.

    The file is re-hashed on every visit: the recorded SHA-256 proves nothing if nobody compares.
    Every look-up is audited, misses too, so that someone trying codes shows up in the trail.
    """
    document = document_by_code_unscoped(code)
    if document is None:
        audit_record(actor=request.user, action="document.verify_miss", summary="unknown verification code")
        return render(request, "documents/verify_not_found.html", {"code": code[:40]}, status=404)
    audit_log_read(actor=request.user, obj=document, what="verification")
    try:
        kind_label = str(get_document_kind(document.kind).label)
    except UnknownDocumentKind:
        kind_label = document.kind
    context = {
        "document": document,
        "kind_label": kind_label,
        "integrity": document_integrity(document),
        "can_download": can_view_document(request.user, document),
    }
    return render(request, "documents/verify.html", context)
