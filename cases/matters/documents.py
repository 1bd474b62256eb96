"""The decision letter (容错免责认定书 / 不予容错决定书): its document kind and PDF context.

Registered from `CasesConfig.ready()`. The letter is requested by `decision_confirm`, one per confirmed
decision (the document key carries the decision id, so a new decision after an appeal gets a new letter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from cases.matters.models import AccountabilityMatter, DecisionStatus, MatterDecision, Outcome
from cases.matters.permissions import can_view_decision_document
from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from project.documents.models import Document

KIND = "matter_decision"
TEMPLATE_VERSION = "1"
TEMPLATE = "cases/matters/pdf/decision.html"

# Official titles of the two letters: proper names of the documents, not translated.
TOLERANCE_LETTER = "容错免责认定书"
REFUSAL_LETTER = "不予容错决定书"
_TOLERANCE_OUTCOMES = (Outcome.EXEMPT, Outcome.REDUCED, Outcome.NO_FAULT, Outcome.NOT_PURSUED)


def letter_title(outcome: str) -> str:
    """容错免责认定书 for a tolerated outcome, 不予容错决定书 for NOT_TOLERATED or OUT_OF_SCOPE."""
    return TOLERANCE_LETTER if outcome in _TOLERANCE_OUTCOMES else REFUSAL_LETTER


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    """The letter's context: the matter, the confirmed decision (from the document key) and its reasons."""
    matter = AccountabilityMatter.objects.select_related("cadre", "unit").get(pk=document.object_id)
    decision_id = document.idempotency_key.rsplit("decision-", 1)[-1]
    decision = (
        MatterDecision.objects.select_related("proposed_by", "confirmed_by")
        .filter(matter=matter, status=DecisionStatus.CONFIRMED, pk=decision_id)
        .first()
    )
    if decision is None:
        raise LookupError(f"no confirmed decision {decision_id} for matter {matter.pk}")
    reasons = decision.assessment.get("reasons", {}).get("zh", [])
    return TEMPLATE, {
        "letter_title": letter_title(decision.outcome),
        "matter": matter,
        "decision": decision,
        "outcome_label": Outcome(decision.outcome).label,
        "recommended_label": Outcome(decision.recommended_outcome).label,
        "reasons": reasons,
        "correction_tasks": list(matter.correction_tasks.select_related("owner")),
    }


def register() -> None:
    register_document_kind(
        KIND,
        label=gettext_lazy("Fault-tolerance decision letter (容错认定书)"),
        template_version=TEMPLATE_VERSION,
        build=build,
        can_view=can_view_decision_document,
    )
