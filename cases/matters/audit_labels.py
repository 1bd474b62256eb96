"""The labels of the audit events the matter services write (see `project.audit.labels`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from cases.matters.models import ApplicantKind, MatterState, Outcome, ReminderKind
from project.audit.labels import Label, Worded, register_labels, register_object_pages, step, with_choices

if TYPE_CHECKING:
    from project.audit.models import AuditEvent


def _assigned(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    if data.get("committee_chair"):
        return _("assigned %(user)s as committee chair") % {"user": data["user"]}
    return _("assigned %(user)s as reviewer") % {"user": data["user"]}


def _checklist_saved(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    return _("saved %(count)s checklist answers") % {"count": len(data["answers"])}


LABELS: dict[str, Label] = {
    "matter.receive": _("received the matter"),
    "matter.assign_reviewer": Worded(_("assigned a reviewer or committee chair"), _assigned),
    "matter.apply": step(
        _("application recorded: %(applicant)s"),
        MatterState.RECEIVED,
        MatterState.APPLIED,
        applicant=ApplicantKind,
    ),
    "matter.accept": step(_("accepted the matter"), MatterState.APPLIED, MatterState.ACCEPTED),
    "matter.reject": step(_("did not accept the matter"), MatterState.APPLIED, MatterState.NOT_ACCEPTED),
    "matter.start_investigation": _("started the investigation under %(ruleset)s"),
    "matter.extend": _("extended the investigation until %(until)s"),
    "matter.checklist_save": Worded(_("saved checklist answers"), _checklist_saved),
    "matter.recommend": step(
        _("recommendation: %(outcome)s"), MatterState.INVESTIGATING, MatterState.RECOMMENDED, outcome=Outcome
    ),
    "matter.decision_propose": with_choices(_("proposed a decision: %(outcome)s"), outcome=Outcome),
    "matter.decision_confirm": step(
        _("decided: %(outcome)s"), MatterState.RECOMMENDED, MatterState.DECIDED, outcome=Outcome
    ),
    "matter.decision_decline": _("declined the proposed decision"),
    "matter.appeal": step(_("appealed the decision"), MatterState.DECIDED, MatterState.APPEALED),
    "matter.task_add": _("added correction task #%(task)s for %(owner)s, due %(deadline)s"),
    "matter.task_verify": _("verified correction task #%(task)s"),
    "matter.feedback": _("recorded feedback"),
    "matter.filing": _("recorded the filing on %(filed_on)s"),
    "matter.publicity": _("cleared the name"),
    "matter.close": step(_("closed the matter"), MatterState.DECIDED, MatterState.CLOSED),
    "matter.prereg_link": _("linked pre-registration #%(prereg)s"),
    "matter.remind": with_choices(_("sent reminders: %(kind)s"), kind=ReminderKind),
    "prereg.create": _("pre-registered a measure"),
}


def register() -> None:
    register_labels(LABELS)
    register_object_pages({"cases.accountabilitymatter": "cases:matters:detail"})
