"""Writes to an accountability matter up to its recommendation (receiving, applying, accepting, the investigation
and its checklist), pre-registrations and reminders; and the rules and helpers of every matter service.
decision_services has the decision and what follows it (correction tasks, feedback, filing, publicity, closure).

Each service: locks the matter row (`select_for_update`), checks the state (→ InvalidTransition, a 409
with a message a person understands), asks the predicate in `permissions.py` (→ PermissionDenied, 403),
calls the transition (which only sets fields), saves, writes the audit event in the same transaction,
and sends side effects on commit. Views, tasks and commands call these; nothing else writes the models.
Invalid input raises django ValidationError (the form shows it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases.fault_tolerance import AnswerError, RulesetError, assess, load_ruleset, parse_answers
from cases.matters import permissions
from cases.matters.attachments import validate_attachment
from cases.matters.exceptions import InvalidTransition
from cases.matters.models import (
    EVIDENCE_NOTE_MAX_LENGTH,
    AccountabilityMatter,
    ChecklistAnswer,
    MatterReviewer,
    MatterState,
    Outcome,
    Reminder,
    ReminderKind,
    RiskPreRegistration,
)
from cases.matters.suggestions import suggestions_for
from cases.matters.workdays import add_months, add_working_days
from project.audit.services import audit_record
from project.org.models import Cadre, Role, User
from project.org.selectors import role_holders
from project.service_checks import acting_person, allow, bounded_text, column_length, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

logger = logging.getLogger(__name__)

DEFAULT_RULESET = "zigong-v1"
ACCEPTANCE_WORKING_DAYS = 10
INVESTIGATION_MONTHS = 1
MAX_EXTENSION_MONTHS = 1
DEFAULT_EXEMPTION_EFFECT_MONTHS = 24


def current_ruleset_name() -> str:
    """The ruleset new investigations are pinned to: settings.FAULT_TOLERANCE_RULESET or zigong-v1."""
    return str(getattr(settings, "FAULT_TOLERANCE_RULESET", DEFAULT_RULESET))


def exemption_effect_months() -> int:
    """How long an exemption's "no negative evaluation" mark lasts (FAULT_TOLERANCE_EFFECT_MONTHS, 24)."""
    return int(getattr(settings, "FAULT_TOLERANCE_EFFECT_MONTHS", DEFAULT_EXEMPTION_EFFECT_MONTHS))


# --- helpers, shared by decision_services ------------------------------------------------------------


def lock_matter(matter: AccountabilityMatter) -> AccountabilityMatter:
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return AccountabilityMatter.objects.select_for_update().get(pk=matter.pk)


def require(allowed: bool, message: str, code: str = "state") -> None:
    if not allowed:
        raise InvalidTransition(message, code=code)


def _state_label(matter: AccountabilityMatter) -> str:
    return str(MatterState(matter.state).label)


def wrong_state_message(matter: AccountabilityMatter) -> str:
    return _("This matter is %(state)s; that step is not possible now.") % {"state": _state_label(matter)}


def audit(actor: AnyUser | None, action: str, matter: AccountabilityMatter, summary: str, **data: Any) -> None:
    audit_record(actor=actor, action=f"matter.{action}", obj=matter, summary=summary, data=data)


# --- receiving, applying, accepting -----------------------------------------------------------------


def _check_received_on(received_on: date | None) -> None:
    """A matter is registered once it has come in: a day still to come is a typing error (2099 for 2019)."""
    if received_on is not None and received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date received cannot be in the future.")})


TITLE_MAX_LENGTH = column_length(AccountabilityMatter, "title")


def matter_receive(
    *,
    actor: AnyUser,
    cadre: Cadre,
    title: str,
    facts: str,
    is_inaction: bool = False,
    received_on: date | None = None,
) -> AccountabilityMatter:
    """Register an accountability matter (登记) concerning `cadre`, in state received.

    Requires: the actor is org_admin over the cadre's unit. The matter keeps the cadre's current unit.
    Raises PermissionDenied, ValidationError (blank title or facts, a date received in the future).
    """
    person = acting_person(actor)
    allow(permissions.can_receive_matter(person, cadre))
    title = required_text(title, "title", _("Give the matter a title."), limit=TITLE_MAX_LENGTH)
    facts = required_text(facts, "facts", _("Describe the facts."))
    _check_received_on(received_on)
    with transaction.atomic():
        matter = AccountabilityMatter.objects.create(
            cadre=cadre,
            unit_id=cadre.unit_id,
            title=title,
            facts=facts,
            is_inaction=is_inaction,
            received_on=received_on or timezone.localdate(),
            received_by=person,
        )
        audit(person, "receive", matter, f"received matter #{matter.pk}", cadre=cadre.external_id)
    return matter


def matter_assign_reviewer(
    *, actor: AnyUser, matter: AccountabilityMatter, user: User, committee_chair: bool = False
) -> MatterReviewer:
    """Assign a reviewer (or the committee chair) to the matter; assigning again updates the chair flag.

    Requires: the matter is not closed or not accepted; the actor is org_admin of the subtree; the
    assignee is a reviewer of the subtree (the chair may also be from the organization department) and
    not the cadre concerned. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state not in (MatterState.CLOSED, MatterState.NOT_ACCEPTED), wrong_state_message(locked))
        allow(permissions.can_assign_reviewers(person, locked))
        if not permissions.can_be_assigned(user, locked, committee_chair=committee_chair):
            raise ValidationError({"user": _("This person is not a reviewer for this matter's unit.")})
        assignment, _created = MatterReviewer.objects.update_or_create(
            matter=locked, user=user, defaults={"committee_chair": committee_chair, "assigned_by": person}
        )
        audit(
            person,
            "assign_reviewer",
            locked,
            f"assigned {user.username} to matter #{locked.pk}" + (" as committee chair" if committee_chair else ""),
            user=user.username,
            committee_chair=committee_chair,
        )
    permissions.forget_assignments(matter)
    return assignment


def matter_apply(
    *,
    actor: AnyUser,
    matter: AccountabilityMatter,
    applicant_kind: str,
    statement: str,
    applied_on: date | None = None,
) -> AccountabilityMatter:
    """Record the application for fault tolerance (申请) and start the 10-working-day acceptance clock.

    Requires: state received. The cadre applies for themself (`cadre`); the org_admin records an
    application by the unit (`unit`) or a proposal by the accountability body (`body`).
    Raises InvalidTransition, PermissionDenied, ValidationError (no statement).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.apply), _("An application has already been recorded for this matter."))
        allow(permissions.can_apply_matter(person, locked, applicant_kind))
        statement = required_text(statement, "statement", _("Say why fault tolerance should apply."))
        day = applied_on or timezone.localdate()
        locked.apply(
            kind=applicant_kind,
            statement=statement,
            on=day,
            by=person,
            acceptance_deadline=add_working_days(day, ACCEPTANCE_WORKING_DAYS),
        )
        locked.save()
        audit(person, "apply", locked, f"application recorded for matter #{locked.pk}", applicant=applicant_kind)
    return locked


def matter_accept(
    *, actor: AnyUser, matter: AccountabilityMatter, accepted_on: date | None = None
) -> AccountabilityMatter:
    """Accept the application (受理); the investigation must end within one month.

    Requires: state applied; the actor is org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.accept), wrong_state_message(locked))
        allow(permissions.can_accept_matter(person, locked))
        day = accepted_on or timezone.localdate()
        locked.accept(on=day, investigation_deadline=add_months(day, INVESTIGATION_MONTHS))
        locked.save()
        audit(person, "accept", locked, f"accepted matter #{locked.pk}")
    return locked


def matter_reject(
    *, actor: AnyUser, matter: AccountabilityMatter, reason: str, rejected_on: date | None = None
) -> AccountabilityMatter:
    """Do not accept the application (不予受理), with the reason the applicant will read.

    Requires: state applied; org_admin of the subtree. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.reject), wrong_state_message(locked))
        allow(permissions.can_accept_matter(person, locked))
        reason = required_text(reason, "reason", _("Give the reason for not accepting."))
        locked.reject(on=rejected_on or timezone.localdate(), reason=reason)
        locked.save()
        audit(person, "reject", locked, f"did not accept matter #{locked.pk}")
    return locked


# --- investigation and checklist -------------------------------------------------------------------


def matter_start_investigation(*, actor: AnyUser, matter: AccountabilityMatter) -> AccountabilityMatter:
    """Start (or, after an appeal, restart) the investigation; pin the ruleset; pre-fill suggestions.

    The ruleset is pinned the first time (settings.FAULT_TOLERANCE_RULESET, default zigong-v1) and never
    changes afterwards. After an appeal the investigation gets a new one-month deadline. Suggestions
    are added only for criteria that have no answer yet.
    Requires: state accepted or appealed; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied, ImproperlyConfigured (the configured ruleset is unknown).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.start_investigation), wrong_state_message(locked))
        allow(permissions.can_investigate_matter(person, locked))
        name = locked.ruleset or current_ruleset_name()
        try:
            load_ruleset(name)
        except RulesetError as error:
            raise ImproperlyConfigured(str(error)) from error
        restart = locked.state == MatterState.APPEALED
        now = timezone.now()
        deadline = add_months(timezone.localdate(now), INVESTIGATION_MONTHS) if restart else None
        locked.start_investigation(ruleset=name, at=now, deadline=deadline)
        locked.save()
        answered = set(ChecklistAnswer.objects.filter(matter=locked).values_list("criterion_id", flat=True))
        suggested = [s for s in suggestions_for(locked) if s.criterion_id not in answered]
        ChecklistAnswer.objects.bulk_create(
            ChecklistAnswer(
                matter=locked,
                criterion_id=s.criterion_id,
                value=s.value,
                suggested=True,
                suggested_value=s.value,
                suggestion_source=s.source,
            )
            for s in suggested
        )
        audit(
            person,
            "start_investigation",
            locked,
            f"{'re' if restart else ''}started the investigation of matter #{locked.pk} under {locked.ruleset}",
            ruleset=locked.ruleset,
            suggested=[s.criterion_id for s in suggested],
        )
    return locked


def matter_extend_investigation(
    *, actor: AnyUser, matter: AccountabilityMatter, until: date, reason: str
) -> AccountabilityMatter:
    """Extend the investigation once, by at most one month beyond the original deadline, with a reason.

    Requires: state accepted or investigating, not extended before; org_admin of the subtree.
    Raises InvalidTransition, PermissionDenied, ValidationError (date out of range, no reason).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state in (MatterState.ACCEPTED, MatterState.INVESTIGATING), wrong_state_message(locked))
        require(locked.extended_at is None, _("The investigation has already been extended once."), "extended")
        allow(permissions.can_extend_investigation(person, locked))
        original = locked.investigation_deadline_original or locked.investigation_deadline
        assert original is not None  # set on acceptance
        latest = add_months(original, MAX_EXTENSION_MONTHS)
        if not original < until <= latest:
            raise ValidationError(
                {
                    "until": _("The new deadline must be after %(old)s and no later than %(latest)s.")
                    % {"old": original.isoformat(), "latest": latest.isoformat()}
                }
            )
        reason = required_text(reason, "reason", _("Give the reason for the extension."))
        locked.investigation_deadline = until
        locked.extension_reason = reason
        locked.extended_at = timezone.now()
        locked.extended_by = person
        locked.save()
        audit(person, "extend", locked, f"extended the investigation of matter #{locked.pk}", until=until.isoformat())
    return locked


@dataclass(frozen=True)
class AnswerInput:
    """One criterion as a reviewer submits it."""

    value: str
    note: str = ""
    attachment: UploadedFile | None = None


def answer_refusal(error: AnswerError) -> ValidationError:
    """The rules engine's refusal of an answer (its words are English, for scripts) in the reader's language."""
    if error.criterion_id is None:
        return ValidationError(_("The answers name a criterion this checklist does not have."))
    message = _("The answer given for criterion %(id)s is not one it takes: choose one of those offered.")
    return ValidationError({error.criterion_id: message % {"id": error.criterion_id}})


def checklist_save(
    *, actor: AnyUser, matter: AccountabilityMatter, answers: Mapping[str, AnswerInput]
) -> list[ChecklistAnswer]:
    """Save a reviewer's answers, notes and attachments; every suggestion saved is thereby confirmed.

    Only the criteria in `answers` are written. Values are checked against the pinned ruleset,
    attachments by size and sniffed type.
    Requires: state investigating; an assigned reviewer. Raises InvalidTransition, PermissionDenied,
    ValidationError (keyed by criterion id).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state == MatterState.INVESTIGATING, wrong_state_message(locked))
        allow(permissions.can_answer_checklist(person, locked))
        ruleset = load_ruleset(locked.ruleset)
        try:
            parse_answers(ruleset, {cid: given.value for cid, given in answers.items()})
        except AnswerError as error:
            raise answer_refusal(error) from error
        content_types: dict[str, str] = {}
        errors: dict[str, list[ValidationError | str]] = {}
        for cid, given in answers.items():
            try:
                bounded_text(given.note, cid, EVIDENCE_NOTE_MAX_LENGTH)
            except ValidationError as error:
                errors.setdefault(cid, []).extend(error.message_dict[cid])
            if given.attachment is not None:
                try:
                    content_types[cid] = validate_attachment(given.attachment)
                except ValidationError as error:
                    errors.setdefault(cid, []).append(error)
        if errors:
            raise ValidationError(errors)

        existing = {row.criterion_id: row for row in ChecklistAnswer.objects.filter(matter=locked)}
        now = timezone.now()
        changed: dict[str, str] = {}
        saved: list[ChecklistAnswer] = []
        for cid in ruleset.ids:
            if cid not in answers:
                continue
            given = answers[cid]
            row = existing.get(cid) or ChecklistAnswer(matter=locked, criterion_id=cid)
            note = given.note.strip()
            touched = row.pk is None or row.suggested or row.value != given.value or row.evidence_note != note
            if row.pk is None and given.value == "unknown" and not note and given.attachment is None:
                continue  # nothing said about this criterion yet: no row
            row.value = given.value
            row.evidence_note = note
            row.suggested = False
            if given.attachment is not None:
                row.attachment.save("evidence", given.attachment, save=False)
                row.attachment_name = (given.attachment.name or "attachment")[-200:]
                row.attachment_content_type = content_types[cid]
                row.attachment_size = given.attachment.size
                touched = True
            if touched:
                row.answered_by = person
                row.answered_at = now
                changed[cid] = given.value
                row.save()
            saved.append(row)
        if changed:
            audit(
                person,
                "checklist_save",
                locked,
                f"saved {len(changed)} checklist answer(s) of matter #{locked.pk}",
                answers=changed,
                attachments=sorted(content_types),
            )
    return saved


def stored_answers(matter: AccountabilityMatter) -> dict[str, str]:
    return dict(ChecklistAnswer.objects.filter(matter=matter).values_list("criterion_id", "value"))


def matter_recommend(*, actor: AnyUser, matter: AccountabilityMatter) -> AccountabilityMatter:
    """Close the investigation with the engine's recommendation on the saved checklist.

    Requires: state investigating; an assigned reviewer; no unconfirmed suggestion; an assessment that
    decides (not INSUFFICIENT). Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.recommend), wrong_state_message(locked))
        allow(permissions.can_answer_checklist(person, locked))
        pending = list(
            ChecklistAnswer.objects.filter(matter=locked, suggested=True).values_list("criterion_id", flat=True)
        )
        require(
            not pending,
            _("Confirm or override the system's suggestions first: %(ids)s.") % {"ids": ", ".join(sorted(pending))},
            "suggestions",
        )
        assessment = assess(load_ruleset(locked.ruleset), stored_answers(locked))
        require(
            assessment.outcome.value != Outcome.INSUFFICIENT,
            _("The checklist is not complete enough for a recommendation; answer: %(ids)s.")
            % {"ids": ", ".join(assessment.missing)},
            "insufficient",
        )
        locked.recommend(outcome=assessment.outcome.value, assessment=assessment.to_dict(), at=timezone.now())
        locked.save()
        audit(
            person,
            "recommend",
            locked,
            f"recommendation for matter #{locked.pk}: {assessment.outcome.value}",
            outcome=assessment.outcome.value,
        )
    return locked


# --- pre-registration (容错报备) ---------------------------------------------------------------------


def prereg_create(
    *, actor: AnyUser, cadre: Cadre, measure: str, risks: str, registered_on: date | None = None
) -> RiskPreRegistration:
    """Pre-register a risky measure before acting (容错报备).

    Requires: the cadre themself, or org_admin over the cadre's unit. Raises PermissionDenied, ValidationError
    (no measure or risks, a date in the future).
    """
    person = acting_person(actor)
    allow(permissions.can_create_prereg(person, cadre))
    measure = required_text(measure, "measure", _("Describe the measure."))
    risks = required_text(risks, "risks", _("Describe the risks."))
    # Registered before acting: today, or earlier for one made on paper and entered later; never a day to come.
    if registered_on is not None and registered_on > timezone.localdate():
        raise ValidationError({"registered_on": _("The date of the pre-registration cannot be in the future.")})
    with transaction.atomic():
        prereg = RiskPreRegistration.objects.create(
            cadre=cadre,
            unit_id=cadre.unit_id,
            measure=measure,
            risks=risks,
            registered_on=registered_on or timezone.localdate(),
            registered_by=person,
        )
        audit_record(
            actor=person,
            action="prereg.create",
            obj=prereg,
            summary=f"pre-registered a measure for cadre {cadre.external_id}",
        )
    return prereg


def prereg_link(*, actor: AnyUser, matter: AccountabilityMatter, prereg: RiskPreRegistration) -> AccountabilityMatter:
    """Cite a pre-registration of the same cadre as evidence in the matter.

    Requires: the matter is not yet decided, closed or refused; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied, ValidationError (another cadre's pre-registration).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(
            locked.state not in (MatterState.DECIDED, MatterState.CLOSED, MatterState.NOT_ACCEPTED),
            wrong_state_message(locked),
        )
        if prereg.cadre_id != locked.cadre_id:
            raise ValidationError({"prereg": _("This pre-registration concerns another cadre.")})
        allow(permissions.can_link_prereg(person, locked, prereg))
        locked.preregistrations.add(prereg)
        audit(
            person,
            "prereg_link",
            locked,
            f"linked pre-registration #{prereg.pk} to matter #{locked.pk}",
            prereg=prereg.pk,
        )
    return locked


# --- reminders ---------------------------------------------------------------------------------------


def _reminder_recipients(matter: AccountabilityMatter) -> list[str]:
    admins = role_holders(Role.ORG_ADMIN, matter.unit).values("pk")
    reviewers = MatterReviewer.objects.filter(matter=matter).values_list("user_id", flat=True)
    emails = User.objects.filter(Q(pk__in=admins) | Q(pk__in=reviewers), is_active=True).exclude(email="")
    if matter.cadre.user_id is not None:
        emails = emails.exclude(pk=matter.cadre.user_id)
    return sorted(set(emails.values_list("email", flat=True)))


def overdue_reminders_send(*, today: date | None = None) -> int:
    """Email the assigned reviewers and org_admins of every overdue matter, once per (matter, kind,
    deadline). A system task: it reads every matter (unscoped) and is safe to run repeatedly or
    concurrently — the Reminder row's unique key is taken before the mail is sent, in the same
    transaction. Returns the number of reminders sent.
    """
    today = today or timezone.localdate()
    sent = 0
    overdue = AccountabilityMatter.objects.overdue(today).select_related("unit", "cadre").order_by("pk")
    for matter in overdue:
        if matter.state == MatterState.APPLIED:
            kind, due = ReminderKind.ACCEPTANCE, matter.acceptance_deadline
        else:
            kind, due = ReminderKind.INVESTIGATION, matter.investigation_deadline
        assert due is not None
        with transaction.atomic():
            reminder, created = Reminder.objects.get_or_create(matter=matter, kind=kind, due_on=due)
            if not created:
                continue
            recipients = _reminder_recipients(matter)
            if recipients:
                send_mail(
                    subject=f"[逾期提醒 / overdue] 问责事项 #{matter.pk}: {ReminderKind(kind).label}",
                    message=(
                        f"问责事项 #{matter.pk}（{matter.title}）已超过期限 {due:%Y-%m-%d}。\n"
                        f"Matter #{matter.pk} passed its {kind} deadline of {due:%Y-%m-%d}.\n"
                    ),
                    from_email=None,
                    recipient_list=recipients,
                )
                sent += 1
            else:
                logger.warning("matter %s is overdue but nobody with an email address can be reminded", matter.pk)
            reminder.recipients = recipients
            reminder.save(update_fields=["recipients"])
            audit_record(
                actor=None,
                action="matter.remind",
                obj=matter,
                summary=f"reminded {len(recipients)} people: matter #{matter.pk} {kind} overdue",
                data={"kind": kind, "due": due.isoformat()},
            )
    return sent
