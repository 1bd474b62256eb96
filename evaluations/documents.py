"""The result card (测评结果卡): its document kind and PDF context, built from the frozen result.

Registered from `EvaluationsConfig.ready()`. The object is a SubjectResult; one card per result (results
are frozen, so a card never needs a second revision). Rendered in Chinese like every official document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from evaluations.models import SubjectResult
from evaluations.permissions import can_view_results
from evaluations.results import manifestations_of, present, round_weights
from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document
    from project.org.models import User

KIND = "result_card"
TEMPLATE_VERSION = "1"
TEMPLATE = "pdf/evaluations/result_card.html"
# The form's own name, whatever the interface language.
TITLE = "测评结果卡"


def document_title(result: SubjectResult) -> str:
    return f"{TITLE} {result.cadre.name}（{result.round.title}）"


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    """The card's context: the frozen figures through results.present (k applied there)."""
    result = SubjectResult.objects.select_related("cadre", "unit", "round").get(pk=document.object_id)
    round = result.round
    card = present(result, manifestations_of(round), round_weights(round))
    return TEMPLATE, {"title": TITLE, "result": result, "round": round, "card": card}


def can_view(user: User | AnonymousUser, document: Document) -> bool:
    """Whoever may see the round's results (org_admin or auditor over its scope)."""
    if not user.is_authenticated or document.object_type != SubjectResult._meta.label_lower:
        return False
    result = SubjectResult.objects.select_related("round__scope").filter(pk=document.object_id).first()
    return result is not None and can_view_results(user, result.round)


def register() -> None:
    register_document_kind(
        KIND,
        label=gettext_lazy("Result card (测评结果卡)"),
        template_version=TEMPLATE_VERSION,
        build=build,
        can_view=can_view,
    )
