"""Writes from the decision on: the decision by two different people (proposed, confirmed or declined), the
appeal, and what follows a decision: correction tasks, feedback, filing, publicity and closure.

The same rules as every service of cases.matters.services (lock, state, permission, audit, side effects on
commit); the helpers are that module's.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases.matters import documents, permissions
from cases.matters.models import (
    CORRECTION_REQUIRED,
    DECISION_OUTCOMES,
    VERIFICATION_NOTE_MAX_LENGTH,
    AccountabilityMatter,
    CorrectionTask,
    DecisionStatus,
    MatterDecision,
    MatterFeedback,
    MatterState,
    Outcome,
)
from cases.matters.services import audit, exemption_effect_months, lock_matter, require, wrong_state_message
from cases.matters.workdays import add_months
from project.documents.services import document_request
from project.oncommit import enqueue_on_commit
from project.org.models import CadreMark, MarkKind, User
from project.org.selectors import people_of
from project.service_checks import acting_person, allow, bounded_text, column_length, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state == MatterState.RECOMMENDED, wrong_state_message(locked))
        allow(permissions.can_propose_decision(person, locked))
        require(
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
        require(
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
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.decide), wrong_state_message(locked))
        decision = pending_decision(locked)
        require(decision is not None, _("There is no proposal to confirm."), "no_proposal")
        assert decision is not None
        if decision.proposed_by_id == person.pk:
            raise PermissionDenied(_("You proposed this decision: a second, different person must confirm it."))
        allow(permissions.can_confirm_decision(person, locked, decision))
        require(
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
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state == MatterState.RECOMMENDED, wrong_state_message(locked))
        decision = pending_decision(locked)
        require(decision is not None, _("There is no proposal to decline."), "no_proposal")
        assert decision is not None
        allow(permissions.can_confirm_decision(person, locked, decision))
        reason = required_text(reason, "reason", _("Say why you decline the proposal."))
        decision.decline(by=person, at=timezone.now(), reason=reason)
        decision.save()
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.appeal), wrong_state_message(locked))
        allow(permissions.can_appeal_matter(person, locked))
        reason = required_text(reason, "reason", _("Give the grounds of the appeal."))
        locked.appeal(reason=reason, on=appealed_on or timezone.localdate())
        locked.save()
        audit(person, "appeal", locked, f"appealed the decision on matter #{locked.pk}")
    return locked


# --- after the decision -----------------------------------------------------------------------------


def correction_task_add(
    *, actor: AnyUser, matter: AccountabilityMatter, owner: User, description: str, deadline: date
) -> CorrectionTask:
    """Add a correction task (纠错): what, who, by when.

    Requires: state investigating, recommended or decided; an assigned reviewer or the org_admin; an owner who
    works in the matter's unit or under it, or holds a role over it (people_of).
    Raises InvalidTransition, PermissionDenied, ValidationError (no description, past deadline, another owner).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(
            locked.state in (MatterState.INVESTIGATING, MatterState.RECOMMENDED, MatterState.DECIDED),
            wrong_state_message(locked),
        )
        allow(permissions.can_manage_corrections(person, locked))
        description = required_text(description, "description", _("Say what is to be corrected."))
        if deadline < timezone.localdate():
            raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
        if not people_of(locked.unit).filter(pk=owner.pk).exists():
            raise ValidationError(
                {"owner": _("The owner must work in the matter's unit or under it, or hold a role over it.")}
            )
        task = CorrectionTask.objects.create(
            matter=locked, owner=owner, description=description, deadline=deadline, created_by=person
        )
        audit(
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
    org_admin who does not own the task. Raises InvalidTransition, PermissionDenied, ValidationError (a note
    longer than VERIFICATION_NOTE_MAX_LENGTH).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(task.matter)
        current = CorrectionTask.objects.select_for_update().get(pk=task.pk)
        current.matter = locked
        require(locked.state == MatterState.DECIDED, wrong_state_message(locked))
        require(current.verified_at is None, _("This task has already been verified."), "verified")
        allow(permissions.can_verify_correction(person, current), _("The owner of a task cannot verify it."))
        current.verification_note = bounded_text(note, "note", VERIFICATION_NOTE_MAX_LENGTH)
        current.verified_at = timezone.now()
        current.verified_by = person
        current.save()
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state in (MatterState.DECIDED, MatterState.NOT_ACCEPTED), wrong_state_message(locked))
        allow(permissions.can_record_outcome_steps(person, locked))
        text = required_text(text, "text", _("Write the feedback."))
        feedback = MatterFeedback.objects.create(
            matter=locked, text=text, given_on=given_on or timezone.localdate(), given_by=person
        )
        audit(person, "feedback", locked, f"recorded feedback on matter #{locked.pk}", feedback=feedback.pk)
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state == MatterState.DECIDED, wrong_state_message(locked))
        allow(permissions.can_record_outcome_steps(person, locked))
        locked.filed_with = required_text(
            filed_with,
            "filed_with",
            _("Name the body the decision was filed with."),
            limit=column_length(AccountabilityMatter, "filed_with"),
        )
        locked.filed_on = filed_on
        locked.filing_recorded_at = timezone.now()
        locked.save()
        audit(person, "filing", locked, f"recorded the filing of matter #{locked.pk}", filed_on=filed_on.isoformat())
    return locked


def publicity_record(
    *, actor: AnyUser, matter: AccountabilityMatter, cleared_on: date, text: str
) -> AccountabilityMatter:
    """Record that the cadre's name was cleared publicly (澄清正名), with the text published.

    Requires: a tolerated decision (exempt, reduced, no fault, not pursued), decided or closed; an
    assigned reviewer or the org_admin. Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(locked.state in (MatterState.DECIDED, MatterState.CLOSED), wrong_state_message(locked))
        require(locked.letter_is_tolerance, _("Only a tolerated decision clears the cadre's name."), "outcome")
        allow(permissions.can_record_outcome_steps(person, locked))
        locked.name_cleared_text = required_text(text, "text", _("Give the clarification text."))
        locked.name_cleared = True
        locked.name_cleared_on = cleared_on
        locked.save()
        audit(person, "publicity", locked, f"cleared the name in matter #{locked.pk}")
    return locked


def matter_close(*, actor: AnyUser, matter: AccountabilityMatter) -> AccountabilityMatter:
    """Close the matter (办结).

    Requires: state decided; every correction task verified (and one at least for EXEMPT/REDUCED);
    written feedback and the filing recorded since the decision; an assigned reviewer or the org_admin.
    Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_matter(matter)
        require(can_proceed(locked.close), wrong_state_message(locked))
        allow(permissions.can_record_outcome_steps(person, locked))
        tasks = list(locked.correction_tasks.all())
        require(
            all(task.is_verified for task in tasks),
            _("Every correction task must be verified before the matter is closed."),
            "tasks_open",
        )
        require(
            bool(tasks) or locked.decided_outcome not in CORRECTION_REQUIRED,
            _("A tolerated outcome needs at least one correction task (纠错); add one first."),
            "correction",
        )
        require(
            locked.feedback.filter(created_at__gte=locked.decided_at).exists(),
            _("Record the written feedback to the applicant before closing."),
            "feedback",
        )
        require(
            locked.filing_recorded_at is not None
            and locked.decided_at is not None
            and locked.filing_recorded_at >= locked.decided_at,
            _("Record the filing (备案) before closing."),
            "filing",
        )
        locked.close(at=timezone.now())
        locked.save()
        audit(person, "close", locked, f"closed matter #{locked.pk}")
    return locked
