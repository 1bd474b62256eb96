"""The talk record (谈话记录): its document kind and PDF context.

Registered from `CasesConfig.ready()`. Requested by `talk_sign` (key "") and again by
`talk_acknowledge` (key "answered", so the cadre's answer is on the final copy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from cases.rectification.models import Commitment, Talk, TalkKind
from cases.rectification.permissions import can_view_talk_document
from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from project.documents.models import Document

KIND = "talk_record"
TEMPLATE_VERSION = "2"  # 2: rows kept on one page; the headings' hint "（单位、职务）" in the regular weight
TEMPLATE = "pdf/talk_record.html"
# The official title of the form: a proper name of the document, not translated.
TITLE = "谈话记录"
# The kinds as the official form names them, whatever the interface language.
OFFICIAL_KIND = {
    TalkKind.HEART_TO_HEART: "谈心谈话",
    TalkKind.REMINDER: "提醒谈话",
    TalkKind.ADMONISHMENT: "诫勉谈话",
}


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    """The record's context: the talk (with its frozen names, units and posts) and its commitments."""
    talk = Talk.objects.select_related("case", "talker").get(pk=document.object_id)
    commitments = list(Commitment.objects.filter(talk=talk).order_by("deadline", "pk"))
    return TEMPLATE, {
        "title": TITLE,
        "kind": OFFICIAL_KIND.get(TalkKind(talk.kind), talk.kind),
        "talk": talk,
        "commitments": commitments,
    }


def register() -> None:
    # The circular's and the dossier's kinds too: one call from `CasesConfig.ready()` registers the
    # rectification documents.
    from cases.rectification import circular_documents, dossier

    circular_documents.register()
    dossier.register()
    register_document_kind(
        KIND,
        label=gettext_lazy("Talk record (谈话记录)"),
        template_version=TEMPLATE_VERSION,
        build=build,
        can_view=can_view_talk_document,
    )
