"""The frozen evidence of a case as people are shown it, on the case page and in the dossier PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from cases.rectification import permissions

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from cases.rectification.models import RectificationCase
    from project.org.models import User

# Evidence keys that carry colleagues' free-text comments: for the organization department only.
PEER_COMMENT_KEYS = ("comments", "peer_comments")
# How the usual evidence keys are shown; any other key is shown as it is.
EVIDENCE_LABELS: dict[str, StrOrPromise] = {
    "scores": gettext_lazy("scores"),
    "flags": gettext_lazy("flags"),
    "reasons": gettext_lazy("reasons"),
    "comments": gettext_lazy("colleagues' comments (organization department only)"),
    "peer_comments": gettext_lazy("colleagues' comments (organization department only)"),
}


def visible_evidence(user: User | AnonymousUser, case: RectificationCase) -> dict[str, Any]:
    """The frozen evidence as the user may see it: peer comments only to the organization department."""
    evidence = dict(case.evidence)
    if not permissions.can_view_peer_comments(user, case):
        for key in PEER_COMMENT_KEYS:
            evidence.pop(key, None)
    return evidence


def as_lines(value: Any) -> list[str]:
    """Evidence values as lines of text: a mapping as "key: value", a list item by item."""
    if isinstance(value, dict):
        return [f"{key}: {item}" for key, item in value.items()]
    if isinstance(value, list):
        return [
            ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, dict) else str(item) for item in value
        ]
    return [str(value)]


def evidence_rows(user: User | AnonymousUser, case: RectificationCase) -> list[tuple[StrOrPromise, list[str]]]:
    """(label, lines) per evidence key the user may see, in key order."""
    evidence = visible_evidence(user, case)
    return [(EVIDENCE_LABELS.get(key, key), as_lines(value)) for key, value in sorted(evidence.items())]
