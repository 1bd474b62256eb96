"""How an audit event reads on a page: a translated label per action code.

The stored `summary` is an English sentence written when the event happened, and it is part of the
hash chain, so it is never rewritten. Pages show `AuditEvent.label` instead: the label registered for
the event's action code, in the reader's language, filled in from the event's object id and stored
data. An unknown code (an event older than its label, a code nobody registered) reads as the stored
summary.

Each app registers the labels of the codes its services write, in its `AppConfig.ready()` (this
package cannot import the apps). `tests/audit/test_labels.py` fails when a service writes a code that
has no label. Labels use only the object id and data that the summary itself carries, so a label
shows nothing that the summary did not (no sealed visit detail: services keep it out of both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from project.audit.models import AuditEvent

LabelFunction = Callable[["AuditEvent"], str]


@dataclass(frozen=True)
class Worded:
    """A label computed from its event, with the words that name its action where there is no event to fill in
    (the options of the trail's action filter)."""

    name: str | Promise
    render: LabelFunction

    def __call__(self, event: AuditEvent) -> str:
        return self.render(event)


Label = str | Promise | Worded

_LABELS: dict[str, Label] = {}


def register_labels(labels: Mapping[str, Label]) -> None:
    """Add labels for action codes. Registering the same code twice with another label is a mistake
    (two apps claiming one code) and raises ImproperlyConfigured."""
    for code, label in labels.items():
        if _LABELS.get(code, label) is not label:
            raise ImproperlyConfigured(f"audit action {code!r} already has a label")
        _LABELS[code] = label


def labelled_codes() -> frozenset[str]:
    return frozenset(_LABELS)


_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def action_name(code: str) -> str:
    """The action a code stands for, in the active language, without an event: its label (or a Worded label's
    name) with each placeholder left as "…" ("added correction task #… for …, due …"); the code itself when it
    has no label."""
    label = _LABELS.get(code)
    if isinstance(label, Worded):
        label = label.name
    if label is None:
        return code
    return _PLACEHOLDER.sub("…", str(label)).replace("%%", "%")


def action_choices() -> list[tuple[str, str]]:
    """(code, "name (code)") of every labelled action, by code, so that an object's actions stand together."""
    return [(code, f"{action_name(code)} ({code})") for code in sorted(_LABELS)]


# The page of an event's object: URL name per model ("app_label.model"), its only argument the object's id.
_OBJECT_PAGES: dict[str, str] = {}


def register_object_pages(pages: Mapping[str, str]) -> None:
    """Add the page of each model's objects (a URL name taking the pk), for the trail to link to. The page
    checks its own permissions: a link is built from the event alone (no query) and may answer 404."""
    for object_type, url_name in pages.items():
        if _OBJECT_PAGES.get(object_type, url_name) != url_name:
            raise ImproperlyConfigured(f"audit object type {object_type!r} already has a page")
        _OBJECT_PAGES[object_type] = url_name


def object_url(event: AuditEvent) -> str | None:
    """The page of the event's object, or None (no object, no page registered, an id the URL cannot take)."""
    url_name = _OBJECT_PAGES.get(event.object_type)
    if url_name is None or not event.object_id:
        return None
    try:
        return reverse(url_name, args=[event.object_id])
    except NoReverseMatch:
        return None


def _params(event: AuditEvent) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    return {**data, "id": event.object_id}


def event_label(event: AuditEvent) -> str:
    """The event's label in the active language, or its stored summary when the code has no label or
    the stored data does not fit the label (an event written before the data was)."""
    label = _LABELS.get(event.action)
    if label is None:
        return event.summary
    try:
        if callable(label):
            return str(label(event))
        return str(label) % _params(event)
    except (KeyError, TypeError, ValueError):
        return event.summary


def _fill(label: str | Promise, event: AuditEvent, choices: Mapping[str, type[models.TextChoices]]) -> str:
    params = _params(event)
    for key, enum in choices.items():
        value = params[key]
        params[key] = enum(value).label if value in enum.values else value
    return str(label) % params


def with_choices(label: str | Promise, **choices: type[models.TextChoices]) -> Worded:
    """A label whose placeholders named in `choices` show the choice's label, not its stored value
    (an unknown value shows as stored)."""
    return Worded(label, lambda event: _fill(label, event, choices))


def step(
    label: str | Promise, source: models.TextChoices, target: models.TextChoices, **choices: type[models.TextChoices]
) -> Worded:
    """A state change: the step's label, then "from <source> to <target>" with the states' labels."""

    def render(event: AuditEvent) -> str:
        return _("%(step)s (from %(source)s to %(target)s)") % {
            "step": _fill(label, event, choices),
            "source": source.label,
            "target": target.label,
        }

    return Worded(label, render)


# What a read was of (the `what` of `audit_log_read`); it is only in the summary, after the object.
_READ_WHAT = {
    "download": _("download"),
    "verification": _("verification"),
    "comments": _("comments"),
    "results export": _("results export"),
    "file": _("file"),
    "checklist": _("checklist"),
    "decision": _("decision"),
    "case file": _("case file"),
    "visit plan": _("visit plan"),
    "visit plans": _("visit plans"),
    "my visits": _("my visits"),
    "API list": _("API list"),
    "unpublished circular": _("unpublished circular"),
}


def model_for(object_type: str) -> type[models.Model] | None:
    """The model an event's `object_type` ("app_label.model") names, or None (no object, an app gone)."""
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _read(event: AuditEvent) -> str:
    model = model_for(event.object_type)
    if model is None:
        return event.summary
    params = {"object": model._meta.verbose_name, "id": event.object_id}
    what = event.summary.rpartition(" (")[2].removesuffix(")") if event.summary.endswith(")") else ""
    if what in _READ_WHAT:
        return _("viewed %(object)s #%(id)s (%(what)s)") % {**params, "what": _READ_WHAT[what]}
    return _("viewed %(object)s #%(id)s") % params


register_labels(
    {
        "read": Worded(_("viewed an object"), _read),
        # project.org
        "unit.create": _("created a unit"),
        "unit.rename": _("renamed a unit"),
        "role.grant": _("granted a role"),
        "role.revoke": _("revoked a role"),
        "cadre.create": _("added a cadre to the roster"),
        "cadre.update": _("updated a cadre in the roster"),
        "roster.import": _("imported a roster file"),
        "demo.seed": _("seeded the demo data"),
        # project.api, project.twofactor
        "api.token": _("issued an API token"),
        "twofactor.enrol": _("enrolled an authenticator app"),
        "twofactor.backup_code": _("logged in with a backup code"),
        # project.documents
        "document.request": _("requested document #%(id)s"),
        "document.render": _("rendered document #%(id)s"),
        "document.render_failed": _("rendering document #%(id)s failed"),
        "document.verify_miss": _("checked an unknown verification code"),
    }
)
