"""The frozen evidence of a case as people are shown it, on the case page and in the dossier PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.rectification import permissions
from evaluations.models import Relation, SubjectResult
from evaluations.results import NONE, RelationLine, present

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
    """(label, lines) per piece of evidence the user may see: a round's candidate in words and figures, in the
    reader's language; any other key as it was stored."""
    evidence = visible_evidence(user, case)
    rows: list[tuple[StrOrPromise, list[str]]] = []
    if isinstance(evidence.get("figures"), dict) and isinstance(evidence.get("flags"), list):
        rows = _candidate_rows(evidence)
        evidence = {key: value for key, value in evidence.items() if key not in CANDIDATE_KEYS}
    return rows + [(EVIDENCE_LABELS.get(key, key), as_lines(value)) for key, value in sorted(evidence.items())]


# What evaluations.results.candidate_json freezes. The cadre's name, unit and ids are on the case itself.
CANDIDATE_KEYS = frozenset({"cadre_id", "external_id", "name", "unit", "composite", "flags", "notes", "figures"})


def _candidate_rows(evidence: dict[str, Any]) -> list[tuple[StrOrPromise, list[str]]]:
    """A round's candidate as the result card words it (`evaluations.results.present`, the one presenter of the
    frozen figures): the reasons, then the figures behind them."""
    frozen = SubjectResult(figures=evidence["figures"], flags=evidence["flags"], notes=evidence.get("notes") or [])
    card = present(frozen, manifestations=(), weights={})
    rows: list[tuple[StrOrPromise, list[str]]] = [
        (_("reasons for the nomination"), [sentence.text for sentence in card.flags] or ["—"]),
        (_("composite index"), [str(card.composite)]),
    ]
    rows += [(line.label, [_relation_line(line)]) for line in card.lines]
    if card.unfavourable_share is not NONE:
        rows.append((_("unfavourable grades (基本称职、不称职)"), [str(card.unfavourable_share)]))
    if card.gap is not NONE:
        rows.append((_("others minus self"), [str(card.gap)]))
    if card.notes:
        rows.append((_("notes"), [sentence.text for sentence in card.notes]))
    return rows


def _relation_line(line: RelationLine) -> str:
    if line.sheets.withheld:
        return str(line.sheets)
    sheets = int(line.sheets.value or 0)
    if not sheets:
        return _("no sheets")
    text = ngettext("%(sheets)s sheet, mean %(mean)s", "%(sheets)s sheets, mean %(mean)s", sheets) % {
        "sheets": sheets,
        "mean": line.mean,
    }
    if line.relation == Relation.PEER:
        text += _(", adjusted for severe and lenient raters %(mean)s") % {"mean": line.adjusted}
    return text
