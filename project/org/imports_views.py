"""The roster import page: upload → check → preview → confirm, with nothing typed or uploaded twice.

Between preview and confirmation the checked file waits in the default file storage under a random
token that only this session knows. The storage is the deployment's shared one (several web machines
must see the same file, which a local temp directory or the per-process cache would not give), the
file is bounded by MAX_UPLOAD_BYTES, and its SHA-256 is kept in the session so that a swapped file is
refused. Confirmation re-checks everything (the roster may have changed since the preview) and
removes the file whatever the outcome; files of abandoned previews are swept after an hour.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from project.org.forms import RosterConfirmForm, RosterUploadForm
from project.org.models import Cadre
from project.org.permissions import can_import_roster
from project.org.roster_import import COLUMNS, RosterFileError, RowChange
from project.org.services import RosterImportResult
from project.org.services import roster_import as roster_import_service

PENDING_SESSION_KEY = "org.roster_import.pending"
PENDING_DIR = "roster-imports"
PENDING_MAX_AGE = timedelta(hours=1)
MAX_ISSUES_SHOWN = 200
MAX_CHANGES_SHOWN = 100


@require_http_methods(["GET", "POST"])
@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST a file: check it and show a preview. POST a token: import it."""
    if not can_import_roster(request.user):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    if request.method == "POST":
        return _preview(request)
    return _upload_page(request, RosterUploadForm())


def _upload_page(
    request: HttpRequest, form: RosterUploadForm, result: RosterImportResult | None = None
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "columns": COLUMNS, "result": result}
    if result is not None:
        context["issues"] = sorted(result.issues, key=lambda issue: issue.row)[:MAX_ISSUES_SHOWN]
        context["issues_hidden"] = max(0, len(result.issues) - MAX_ISSUES_SHOWN)
    return render(request, "org/roster_import.html", context)


def _preview(request: HttpRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form)
    filename = form.cleaned_data["file"].name
    try:
        result = roster_import_service(actor=request.user, content=form.content, filename=filename, dry_run=True)
    except RosterFileError as error:
        form.add_error("file", str(error))
        return _upload_page(request, form)
    if not result.ok:
        return _upload_page(request, RosterUploadForm(), result)
    token = _keep_pending(request, form.content, filename)
    context = {
        "result": result,
        "filename": filename,
        "confirm_form": RosterConfirmForm(initial={"token": token}),
        "changes": [_describe(change) for change in result.changes if change.status != "unchanged"][:MAX_CHANGES_SHOWN],
        "changes_hidden": max(0, result.created + result.updated - MAX_CHANGES_SHOWN),
    }
    return render(request, "org/roster_import_preview.html", context)


def _describe(change: RowChange) -> dict[str, object]:
    fields = (Cadre._meta.get_field(name) for name in change.fields)
    labels = (str(field.verbose_name) if isinstance(field, Field) else field.name for field in fields)
    return {
        "row": change.row,
        "external_id": change.external_id,
        "name": change.name,
        "status": change.status,
        "fields": ", ".join(labels),
    }


def _confirm(request: HttpRequest) -> HttpResponse:
    form = RosterConfirmForm(request.POST)
    pending = request.session.get(PENDING_SESSION_KEY)
    content, filename = None, ""
    if form.is_valid() and pending and secrets.compare_digest(pending["token"], form.cleaned_data["token"]):
        content, filename = _load_pending(pending), pending["filename"]
    _discard_pending(request)
    if content is None:
        messages.error(request, _("This preview has expired or was already imported. Please upload the file again."))
        return redirect("org:roster_import")
    try:
        result = roster_import_service(actor=request.user, content=content, filename=filename)
    except RosterFileError as error:
        upload = RosterUploadForm()
        upload.add_error(None, str(error))
        return _upload_page(request, upload)
    if not result.ok:
        # The roster or the importer's grants changed since the preview.
        return _upload_page(request, RosterUploadForm(), result)
    messages.success(
        request,
        _("Roster imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("org:cadre_list")


def _keep_pending(request: HttpRequest, content: bytes, filename: str) -> str:
    _discard_pending(request)
    _sweep_stale_files()
    token = secrets.token_urlsafe(32)
    name = default_storage.save(f"{PENDING_DIR}/{token}.upload", ContentFile(content))
    request.session[PENDING_SESSION_KEY] = {
        "token": token,
        "name": name,
        "filename": filename[:200],
        "sha256": hashlib.sha256(content).hexdigest(),
        "kept_at": timezone.now().timestamp(),
    }
    return token


def _load_pending(pending: dict[str, Any]) -> bytes | None:
    if timezone.now().timestamp() - pending["kept_at"] > PENDING_MAX_AGE.total_seconds():
        return None
    try:
        with default_storage.open(pending["name"], "rb") as stored:
            content: bytes = stored.read(settings.MAX_UPLOAD_BYTES + 1)
    except OSError:
        return None
    if not secrets.compare_digest(hashlib.sha256(content).hexdigest(), pending["sha256"]):
        return None
    return content


def _discard_pending(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    if pending:
        with contextlib.suppress(OSError):
            default_storage.delete(pending["name"])


def _sweep_stale_files() -> None:
    """Remove files of previews nobody confirmed (a closed tab leaves one behind)."""
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except (OSError, NotImplementedError):
        return
    cutoff = timezone.now() - PENDING_MAX_AGE
    for file in files:
        name = f"{PENDING_DIR}/{file}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except (OSError, NotImplementedError):
            continue
