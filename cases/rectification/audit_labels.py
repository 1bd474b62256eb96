"""The labels of the audit events the rectification services write (see `project.audit.labels`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from cases.rectification.circular_models import CircularState
from cases.rectification.models import Acknowledgement, CareKind, CaseState, HandlingMeasure, WithdrawalReason
from cases.rectification.visit_models import VisitVerdict
from project.audit.labels import Label, Worded, register_labels, register_object_pages, step, with_choices

if TYPE_CHECKING:
    from project.audit.models import AuditEvent


def _nominated(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    if data.get("round"):
        return _("nominated from evaluation round #%(round)s") % {"round": data["round"]}
    return str(_("nominated"))


LABELS: dict[str, Label] = {  # cases
    "case.nominate": Worded(_("nominated"), _nominated),
    "case.open": _("opened the case outside an evaluation round"),
    "case.confirm": step(_("confirmed as a rectification target"), CaseState.NOMINATED, CaseState.CONFIRMED),
    "case.dismiss": step(_("not confirmed as a target"), CaseState.NOMINATED, CaseState.DISMISSED),
    "case.assign_leader": step(_("assigned %(leader)s to lead the talks"), CaseState.CONFIRMED, CaseState.TALKING),
    # The reason is in the data but not in the summary: it is not shown here either.
    "case.reassign_leader": _("handed the case over from %(previous)s to %(leader)s"),
    "case.commitment_add": _("added a commitment"),
    "case.commitment_done": _("a commitment was done"),
    "case.plan": _("set a rectification plan of %(months)s months"),
    "case.care": with_choices(_("recorded a care measure: %(kind)s"), kind=CareKind),
    "case.start_rectifying": step(
        _("rectification period from %(start)s to %(end)s"), CaseState.TALKING, CaseState.RECTIFYING
    ),
    "case.verify": step(_("moved to verification"), CaseState.RECTIFYING, CaseState.VERIFYING),
    "case.close_rectified": step(_("closed as rectified"), CaseState.VERIFYING, CaseState.CLOSED_RECTIFIED),
    "case.escalate": step(
        _("escalated: %(measure)s"), CaseState.VERIFYING, CaseState.ESCALATED, measure=HandlingMeasure
    ),
    "case.restart": step(_("a new rectification period until %(end)s"), CaseState.ESCALATED, CaseState.RECTIFYING),
    "case.close_handled": step(_("closed after handling"), CaseState.ESCALATED, CaseState.CLOSED_HANDLED),
    "case.withdraw": with_choices(_("withdrew the case: %(reason)s"), reason=WithdrawalReason),
    "case.dossier_request": _("requested the case dossier"),
    # talks
    "talk.record": _("recorded talk #%(id)s"),
    "talk.update": _("corrected the talk record #%(id)s"),
    "talk.sign": _("signed the talk record #%(id)s"),
    "talk.acknowledge": with_choices(
        _("the cadre answered the talk record #%(id)s: %(answer)s"), answer=Acknowledgement
    ),
    # circulars
    "circular.draft": _("drafted circular #%(id)s"),
    "circular.submit": step(_("submitted circular #%(id)s"), CircularState.DRAFT, CircularState.SUBMITTED),
    "circular.approve": step(_("approved circular #%(id)s"), CircularState.SUBMITTED, CircularState.APPROVED),
    "circular.publish": step(_("published circular #%(id)s"), CircularState.APPROVED, CircularState.PUBLISHED),
    "circular.withdraw": step(_("withdrew circular #%(id)s"), CircularState.PUBLISHED, CircularState.WITHDRAWN),
    "circular.flag": _("circular #%(id)s to be withdrawn: its case was closed as rectified"),
    # unannounced visits: ids and the verdict only, never a date, window, method or finding
    "visit.plan": _("planned unannounced visit #%(id)s"),
    "visit.seal": _("sealed unannounced visit #%(id)s"),
    "visit.observe": _("recorded an observation on unannounced visit #%(id)s"),
    "visit.execute": with_choices(_("unannounced visit #%(id)s done: %(verdict)s"), verdict=VisitVerdict),
}


def register() -> None:
    register_labels(LABELS)
    register_object_pages(
        {
            "cases.rectificationcase": "cases:rectification:detail",
            "cases.talk": "cases:rectification:talk_detail",
            "cases.visitplan": "cases:rectification:visit_detail",
            "cases.circular": "cases:rectification:circular_detail",
        }
    )
