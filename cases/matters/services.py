"""Every write to an accountability matter, its checklist, decision, tasks and pre-registrations.

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
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases.fault_tolerance import AnswerError, RulesetError, assess, load_ruleset, parse_answers
from cases.matters import documents, permissions
from cases.matters.attachments import validate_attachment
from cases.matters.exceptions import InvalidTransition
from cases.matters.models import (
    CORRECTION_REQUIRED,
    DECISION_OUTCOMES,
    AccountabilityMatter,
    ChecklistAnswer,
    CorrectionTask,
    DecisionStatus,
    MatterDecision,
    MatterFeedback,
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
from project.documents.services import document_request
from project.oncommit import enqueue_on_commit
from project.org.models import Cadre, CadreMark, MarkKind, Role, User
from project.org.selectors import role_holders

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


# --- helpers ---------------------------------------------------------------------------------------


def _person(actor: AnyUser) -> User:
    if not actor.is_authenticated or not isinstance(actor, User):
        raise PermissionDenied
    return actor


def _lock(matter: AccountabilityMatter) -> AccountabilityMatter:
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return AccountabilityMatter.objects.select_for_update().get(pk=matter.pk)


def _require(allowed: bool, message: str, code: str = "state") -> None:
    if not allowed:
        raise InvalidTransition(message, code=code)


def _allow(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(value: str, field: str, message: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationError({field: message})
    return cleaned


def _state_label(matter: AccountabilityMatter) -> str:
    return str(MatterState(matter.state).label)


def _wrong_state(matter: AccountabilityMatter) -> str:
    return _("This matter is %(state)s; that step is not possible now.") % {"state": _state_label(matter)}


def _audit(actor: AnyUser | None, action: str, matter: AccountabilityMatter, summary: str, **data: Any) -> None:
    audit_record(actor=actor, action=f"matter.{action}", obj=matter, summary=summary, data=data)


# --- receiving, applying, accepting -----------------------------------------------------------------


def check_received_on(received_on: date | None) -> None:
    """A matter is registered once it has come in: a day still to come is a typing error (2099 for 2019)."""
    if received_on is not None and received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date received cannot be in the future.")})


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
    person = _person(actor)
    _allow(permissions.can_receive_matter(person, cadre))
    title = _text(title, "title", _("Give the matter a title."))
    facts = _text(facts, "facts", _("Describe the facts."))
    check_received_on(received_on)
    with transaction.atomic():
        matter = AccountabilityMatter.objects.create(
            cadre=cadre,
            unit_id=cadre.unit_id,
            title=title[:200],
            facts=facts,
            is_inaction=is_inaction,
            received_on=received_on or timezone.localdate(),
            received_by=person,
        )
        _audit(person, "receive", matter, f"received matter #{matter.pk}", cadre=cadre.external_id)
    return matter


def matter_assign_reviewer(
    *, actor: AnyUser, matter: AccountabilityMatter, user: User, committee_chair: bool = False
) -> MatterReviewer:
    """Assign a reviewer (or the committee chair) to the matter; assigning again updates the chair flag.

    Requires: the matter is not closed or not accepted; the actor is org_admin of the subtree; the
    assignee is a reviewer of the subtree (the chair may also be from the organization department) and
    not the cadre concerned. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state not in (MatterState.CLOSED, MatterState.NOT_ACCEPTED), _wrong_state(locked))
        _allow(permissions.can_assign_reviewers(person, locked))
        if not permissions.can_be_assigned(user, locked, committee_chair=committee_chair):
            raise ValidationError({"user": _("This person is not a reviewer for this matter's unit.")})
        assignment, _created = MatterReviewer.objects.update_or_create(
            matter=locked, user=user, defaults={"committee_chair": committee_chair, "assigned_by": person}
        )
        _audit(
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
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.apply), _("An application has already been recorded for this matter."))
        _allow(permissions.can_apply_matter(person, locked, applicant_kind))
        statement = _text(statement, "statement", _("Say why fault tolerance should apply."))
        day = applied_on or timezone.localdate()
        locked.apply(
            kind=applicant_kind,
            statement=statement,
            on=day,
            by=person,
            acceptance_deadline=add_working_days(day, ACCEPTANCE_WORKING_DAYS),
        )
        locked.save()
        _audit(person, "apply", locked, f"application recorded for matter #{locked.pk}", applicant=applicant_kind)
    return locked


def matter_accept(
    *, actor: AnyUser, matter: AccountabilityMatter, accepted_on: date | None = None
) -> AccountabilityMatter:
    """Accept the application (受理); the investigation must end within one month.

    Requires: state applied; the actor is org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.accept), _wrong_state(locked))
        _allow(permissions.can_accept_matter(person, locked))
        day = accepted_on or timezone.localdate()
        locked.accept(on=day, investigation_deadline=add_months(day, INVESTIGATION_MONTHS))
        locked.save()
        _audit(person, "accept", locked, f"accepted matter #{locked.pk}")
    return locked


def matter_reject(
    *, actor: AnyUser, matter: AccountabilityMatter, reason: str, rejected_on: date | None = None
) -> AccountabilityMatter:
    """Do not accept the application (不予受理), with the reason the applicant will read.

    Requires: state applied; org_admin of the subtree. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.reject), _wrong_state(locked))
        _allow(permissions.can_accept_matter(person, locked))
        reason = _text(reason, "reason", _("Give the reason for not accepting."))
        locked.reject(on=rejected_on or timezone.localdate(), reason=reason)
        locked.save()
        _audit(person, "reject", locked, f"did not accept matter #{locked.pk}")
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
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.start_investigation), _wrong_state(locked))
        _allow(permissions.can_investigate_matter(person, locked))
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
        _audit(
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
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state in (MatterState.ACCEPTED, MatterState.INVESTIGATING), _wrong_state(locked))
        _require(locked.extended_at is None, _("The investigation has already been extended once."), "extended")
        _allow(permissions.can_extend_investigation(person, locked))
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
        reason = _text(reason, "reason", _("Give the reason for the extension."))
        locked.investigation_deadline = until
        locked.extension_reason = reason
        locked.extended_at = timezone.now()
        locked.extended_by = person
        locked.save()
        _audit(person, "extend", locked, f"extended the investigation of matter #{locked.pk}", until=until.isoformat())
    return locked


@dataclass(frozen=True)
class AnswerInput:
    """One criterion as a reviewer submits it."""

    value: str
    note: str = ""
    attachment: UploadedFile | None = None


def checklist_save(
    *, actor: AnyUser, matter: AccountabilityMatter, answers: Mapping[str, AnswerInput]
) -> list[ChecklistAnswer]:
    """Save a reviewer's answers, notes and attachments; every suggestion saved is thereby confirmed.

    Only the criteria in `answers` are written. Values are checked against the pinned ruleset,
    attachments by size and sniffed type.
    Requires: state investigating; an assigned reviewer. Raises InvalidTransition, PermissionDenied,
    ValidationError (keyed by criterion id).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state == MatterState.INVESTIGATING, _wrong_state(locked))
        _allow(permissions.can_answer_checklist(person, locked))
        ruleset = load_ruleset(locked.ruleset)
        try:
            parse_answers(ruleset, {cid: given.value for cid, given in answers.items()})
        except AnswerError as error:
            raise ValidationError(str(error)) from error
        content_types: dict[str, str] = {}
        errors: dict[str, list[ValidationError]] = {}
        for cid, given in answers.items():
            if given.attachment is not None:
                try:
                    content_types[cid] = validate_attachment(given.attachment)
                except ValidationError as error:
                    errors[cid] = [error]
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
            _audit(
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
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.recommend), _wrong_state(locked))
        _allow(permissions.can_answer_checklist(person, locked))
        pending = list(
            ChecklistAnswer.objects.filter(matter=locked, suggested=True).values_list("criterion_id", flat=True)
        )
        _require(
            not pending,
            _("Confirm or override the system's suggestions first: %(ids)s.") % {"ids": ", ".join(sorted(pending))},
            "suggestions",
        )
        assessment = assess(load_ruleset(locked.ruleset), stored_answers(locked))
        _require(
            assessment.outcome.value != Outcome.INSUFFICIENT,
            _("The checklist is not complete enough for a recommendation; answer: %(ids)s.")
            % {"ids": ", ".join(assessment.missing)},
            "insufficient",
        )
        locked.recommend(outcome=assessment.outcome.value, assessment=assessment.to_dict(), at=timezone.now())
        locked.save()
        _audit(
            person,
            "recommend",
            locked,
            f"recommendation for matter #{locked.pk}: {assessment.outcome.value}",
            outcome=assessment.outcome.value,
        )
    return locked


# --- decision: two different people ----------------------------------------------------------------


def pending_decision(matter: AccountabilityMatter) -> MatterDecision | None:
    return MatterDecision.objects.filter(matter=matter, status=DecisionStatus.PROPOSED).first()


def decision_propose(
    *, actor: AnyUser, matter: AccountabilityMatter, outcome: str, justification: str = ""
) -> MatterDecision:
    """Propose the outcome (first of two people). A justification is required when it departs from
    the engine's recommendation; EXEMPT and REDUCED need at least one correction task first.

    Requires: state recommended, no other proposal waiting; an assigned reviewer.
    Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state == MatterState.RECOMMENDED, _wrong_state(locked))
        _allow(permissions.can_propose_decision(person, locked))
        _require(
            pending_decision(locked) is None,
            _("A proposal is already waiting for confirmation; confirm or decline it first."),
            "pending",
        )
        if outcome not in DECISION_OUTCOMES:
            raise ValidationError({"outcome": _("Choose an outcome.")})
        justification = (justification or "").strip()
        if outcome != locked.recommended_outcome and not justification:
            raise ValidationError(
                {
                    "justification": _("This differs from the recommendation (%(rec)s): say why.")
                    % {"rec": Outcome(locked.recommended_outcome).label}
                }
            )
        _require(
            outcome not in CORRECTION_REQUIRED or locked.correction_tasks.exists(),
            _("A tolerated outcome needs at least one correction task (纠错); add one first."),
            "correction",
        )
        decision = MatterDecision.objects.create(
            matter=locked,
            outcome=outcome,
            recommended_outcome=locked.recommended_outcome,
            assessment=locked.recommendation,
            justification=justification,
            proposed_by=person,
        )
        _audit(
            person,
            "decision_propose",
            locked,
            f"proposed {outcome} for matter #{locked.pk}",
            outcome=outcome,
            recommended=locked.recommended_outcome,
            decision=decision.pk,
        )
    return decision


def decision_confirm(*, actor: AnyUser, matter: AccountabilityMatter) -> MatterDecision:
    """Confirm the waiting proposal (second person): the matter is decided.

    The matter row is locked first, so of two concurrent confirmations exactly one decides and the
    other finds the matter decided (InvalidTransition). Writes the exemption's "no negative evaluation"
    mark for EXEMPT and requests the decision letter.
    Requires: state recommended with a waiting proposal; an assigned reviewer or the committee chair who
    is not the proposer; a correction task for EXEMPT/REDUCED.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.decide), _wrong_state(locked))
        decision = pending_decision(locked)
        _require(decision is not None, _("There is no proposal to confirm."), "no_proposal")
        assert decision is not None
        if decision.proposed_by_id == person.pk:
            raise PermissionDenied(_("You proposed this decision: a second, different person must confirm it."))
        _allow(permissions.can_confirm_decision(person, locked, decision))
        _require(
            decision.outcome not in CORRECTION_REQUIRED or locked.correction_tasks.exists(),
            _("A tolerated outcome needs at least one correction task (纠错); add one first."),
            "correction",
        )
        now = timezone.now()
        decision.confirm(by=person, at=now)
        decision.save()
        locked.decide(outcome=decision.outcome, at=now)
        locked.save()
        _sync_exemption_mark(locked)
        _audit(
            person,
            "decision_confirm",
            locked,
            f"decided matter #{locked.pk}: {decision.outcome}",
            outcome=decision.outcome,
            decision=decision.pk,
            proposed_by=decision.proposed_by_id,
        )
        _request_decision_letter(person, locked, decision)
    return decision


def decision_decline(*, actor: AnyUser, matter: AccountabilityMatter, reason: str) -> MatterDecision:
    """Decline the waiting proposal (the second person disagrees), so that a new one can be made.

    Requires: state recommended with a waiting proposal; an assigned reviewer other than the proposer.
    Raises InvalidTransition, PermissionDenied, ValidationError (no reason).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state == MatterState.RECOMMENDED, _wrong_state(locked))
        decision = pending_decision(locked)
        _require(decision is not None, _("There is no proposal to decline."), "no_proposal")
        assert decision is not None
        _allow(permissions.can_confirm_decision(person, locked, decision))
        reason = _text(reason, "reason", _("Say why you decline the proposal."))
        decision.decline(by=person, at=timezone.now(), reason=reason)
        decision.save()
        _audit(
            person, "decision_decline", locked, f"declined the proposal for matter #{locked.pk}", decision=decision.pk
        )
    return decision


def _sync_exemption_mark(matter: AccountabilityMatter) -> None:
    """An EXEMPT decision writes the "no negative evaluation" mark evaluations read; a different
    decision after an appeal ends the mark an earlier EXEMPT decision of this matter wrote."""
    assert matter.decided_on is not None
    source = f"matter:{matter.pk}"
    in_force = CadreMark.objects.filter(
        cadre_id=matter.cadre_id, kind=MarkKind.NO_NEGATIVE_EVALUATION, source=source
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=matter.decided_on))
    if matter.decided_outcome == Outcome.EXEMPT:
        if not in_force.exists():
            CadreMark.objects.create(
                cadre_id=matter.cadre_id,
                kind=MarkKind.NO_NEGATIVE_EVALUATION,
                source=source,
                valid_from=matter.decided_on,
                valid_until=add_months(matter.decided_on, exemption_effect_months()),
                note=f"容错免责（问责事项 #{matter.pk}）/ exempted (matter #{matter.pk})",
            )
    else:
        in_force.update(valid_until=matter.decided_on)


def _request_decision_letter(actor: User, matter: AccountabilityMatter, decision: MatterDecision) -> None:
    # One letter per confirmed decision: a new decision after an appeal gets its own document.
    document_request(
        actor=actor,
        kind=documents.KIND,
        obj=matter,
        title=f"{documents.letter_title(matter.decided_outcome)}（{matter.cadre.name}）",
        key=f"decision-{decision.pk}",
    )


def matter_appeal(
    *, actor: AnyUser, matter: AccountabilityMatter, reason: str, appealed_on: date | None = None
) -> AccountabilityMatter:
    """Appeal a decision (申诉); the matter goes back to investigation when someone restarts it.

    Requires: state decided; the cadre concerned or the org_admin. Raises InvalidTransition,
    PermissionDenied, ValidationError (no grounds).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.appeal), _wrong_state(locked))
        _allow(permissions.can_appeal_matter(person, locked))
        reason = _text(reason, "reason", _("Give the grounds of the appeal."))
        locked.appeal(reason=reason, on=appealed_on or timezone.localdate())
        locked.save()
        _audit(person, "appeal", locked, f"appealed the decision on matter #{locked.pk}")
    return locked


# --- after the decision -----------------------------------------------------------------------------


def correction_task_add(
    *, actor: AnyUser, matter: AccountabilityMatter, owner: User, description: str, deadline: date
) -> CorrectionTask:
    """Add a correction task (纠错): what, who, by when.

    Requires: state investigating, recommended or decided; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied, ValidationError (no description, past deadline).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(
            locked.state in (MatterState.INVESTIGATING, MatterState.RECOMMENDED, MatterState.DECIDED),
            _wrong_state(locked),
        )
        _allow(permissions.can_manage_corrections(person, locked))
        description = _text(description, "description", _("Say what is to be corrected."))
        if deadline < timezone.localdate():
            raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
        task = CorrectionTask.objects.create(
            matter=locked, owner=owner, description=description, deadline=deadline, created_by=person
        )
        _audit(
            person,
            "task_add",
            locked,
            f"added correction task #{task.pk} to matter #{locked.pk}",
            task=task.pk,
            owner=owner.username,
            deadline=deadline.isoformat(),
        )
    return task


def correction_task_verify(*, actor: AnyUser, task: CorrectionTask, note: str = "") -> CorrectionTask:
    """Record that a correction task was done, verified by someone other than its owner.

    Requires: the matter is decided; the task is not verified yet; an assigned reviewer or the
    org_admin who does not own the task. Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(task.matter)
        current = CorrectionTask.objects.select_for_update().get(pk=task.pk)
        current.matter = locked
        _require(locked.state == MatterState.DECIDED, _wrong_state(locked))
        _require(current.verified_at is None, _("This task has already been verified."), "verified")
        _allow(permissions.can_verify_correction(person, current), _("The owner of a task cannot verify it."))
        current.verified_at = timezone.now()
        current.verified_by = person
        current.verification_note = note.strip()
        current.save()
        _audit(
            person,
            "task_verify",
            locked,
            f"verified correction task #{current.pk} of matter #{locked.pk}",
            task=current.pk,
        )
    return current


def feedback_record(
    *, actor: AnyUser, matter: AccountabilityMatter, text: str, given_on: date | None = None
) -> MatterFeedback:
    """Record the written feedback (书面反馈) to the applicant; the cadre sees it on their page and is
    notified by email on commit.

    Requires: state decided or not accepted; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state in (MatterState.DECIDED, MatterState.NOT_ACCEPTED), _wrong_state(locked))
        _allow(permissions.can_record_outcome_steps(person, locked))
        text = _text(text, "text", _("Write the feedback."))
        feedback = MatterFeedback.objects.create(
            matter=locked, text=text, given_on=given_on or timezone.localdate(), given_by=person
        )
        _audit(person, "feedback", locked, f"recorded feedback on matter #{locked.pk}", feedback=feedback.pk)
        from cases.matters.tasks import notify_cadre_of_feedback  # the tasks module imports this one

        enqueue_on_commit(notify_cadre_of_feedback, feedback.pk)
    return feedback


def feedback_notify(*, feedback_id: int) -> bool:
    """Email the cadre that feedback is waiting on their page (no content in the mail). Idempotent
    enough for a notice: returns False when there is nobody to write to."""
    feedback = MatterFeedback.objects.select_related("matter__cadre__user").filter(pk=feedback_id).first()
    if feedback is None:
        return False
    user = feedback.matter.cadre.user
    if user is None or not user.email:
        return False
    send_mail(
        subject="容错申请有新的反馈 / New feedback on your fault-tolerance application",
        message=(
            f"问责事项 #{feedback.matter_id} 有新的书面反馈，请登录查看。\n"
            f"There is new written feedback on matter #{feedback.matter_id}; log in to read it.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def filing_record(
    *, actor: AnyUser, matter: AccountabilityMatter, filed_on: date, filed_with: str
) -> AccountabilityMatter:
    """Record the filing of the decision with the body above (备案).

    Requires: state decided; an assigned reviewer or the org_admin. Raises InvalidTransition,
    PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state == MatterState.DECIDED, _wrong_state(locked))
        _allow(permissions.can_record_outcome_steps(person, locked))
        locked.filed_with = _text(filed_with, "filed_with", _("Name the body the decision was filed with."))[:200]
        locked.filed_on = filed_on
        locked.filing_recorded_at = timezone.now()
        locked.save()
        _audit(person, "filing", locked, f"recorded the filing of matter #{locked.pk}", filed_on=filed_on.isoformat())
    return locked


def publicity_record(
    *, actor: AnyUser, matter: AccountabilityMatter, cleared_on: date, text: str
) -> AccountabilityMatter:
    """Record that the cadre's name was cleared publicly (澄清正名), with the text published.

    Requires: a tolerated decision (exempt, reduced, no fault, not pursued), decided or closed; an
    assigned reviewer or the org_admin. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(locked.state in (MatterState.DECIDED, MatterState.CLOSED), _wrong_state(locked))
        _require(locked.letter_is_tolerance, _("Only a tolerated decision clears the cadre's name."), "outcome")
        _allow(permissions.can_record_outcome_steps(person, locked))
        locked.name_cleared_text = _text(text, "text", _("Give the clarification text."))
        locked.name_cleared = True
        locked.name_cleared_on = cleared_on
        locked.save()
        _audit(person, "publicity", locked, f"cleared the name in matter #{locked.pk}")
    return locked


def matter_close(*, actor: AnyUser, matter: AccountabilityMatter) -> AccountabilityMatter:
    """Close the matter (办结).

    Requires: state decided; every correction task verified (and one at least for EXEMPT/REDUCED);
    written feedback and the filing recorded since the decision; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(can_proceed(locked.close), _wrong_state(locked))
        _allow(permissions.can_record_outcome_steps(person, locked))
        tasks = list(locked.correction_tasks.all())
        _require(
            all(task.is_verified for task in tasks),
            _("Every correction task must be verified before the matter is closed."),
            "tasks_open",
        )
        _require(
            bool(tasks) or locked.decided_outcome not in CORRECTION_REQUIRED,
            _("A tolerated outcome needs at least one correction task (纠错); add one first."),
            "correction",
        )
        _require(
            locked.feedback.filter(created_at__gte=locked.decided_at).exists(),
            _("Record the written feedback to the applicant before closing."),
            "feedback",
        )
        _require(
            locked.filing_recorded_at is not None
            and locked.decided_at is not None
            and locked.filing_recorded_at >= locked.decided_at,
            _("Record the filing (备案) before closing."),
            "filing",
        )
        locked.close(at=timezone.now())
        locked.save()
        _audit(person, "close", locked, f"closed matter #{locked.pk}")
    return locked


# --- pre-registration (容错报备) ---------------------------------------------------------------------


def prereg_create(
    *, actor: AnyUser, cadre: Cadre, measure: str, risks: str, registered_on: date | None = None
) -> RiskPreRegistration:
    """Pre-register a risky measure before acting (容错报备).

    Requires: the cadre themself, or org_admin over the cadre's unit. Raises PermissionDenied, ValidationError
    (no measure or risks, a date in the future).
    """
    person = _person(actor)
    _allow(permissions.can_create_prereg(person, cadre))
    measure = _text(measure, "measure", _("Describe the measure."))
    risks = _text(risks, "risks", _("Describe the risks."))
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
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(matter)
        _require(
            locked.state not in (MatterState.DECIDED, MatterState.CLOSED, MatterState.NOT_ACCEPTED),
            _wrong_state(locked),
        )
        if prereg.cadre_id != locked.cadre_id:
            raise ValidationError({"prereg": _("This pre-registration concerns another cadre.")})
        _allow(permissions.can_link_prereg(person, locked, prereg))
        locked.preregistrations.add(prereg)
        _audit(
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
