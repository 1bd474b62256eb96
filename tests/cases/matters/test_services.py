"""The matter workflow through its services: every transition, its guards, and the two-person rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.utils import timezone

from cases.matters import decision_services, services
from cases.matters.exceptions import InvalidTransition
from cases.matters.models import (
    AccountabilityMatter,
    ChecklistAnswer,
    DecisionStatus,
    MatterDecision,
    MatterState,
    Outcome,
    Reminder,
)
from cases.matters.services import AnswerInput
from cases.matters.tasks import remind_overdue_matters
from project.audit.models import AuditEvent
from project.org.models import CadreMark, MarkKind
from tests.cases.matters.states import (
    EXEMPT_ANSWERS,
    NOT_TOLERATED_ANSWERS,
    accepted,
    answer,
    applied,
    decided,
    investigating,
    received,
    recommended,
    with_task,
)
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def actions(matter: AccountabilityMatter) -> list[str]:
    return list(AuditEvent.objects.for_object(matter).values_list("action", flat=True))


# --- receive, apply, accept ------------------------------------------------------------------------


def test_the_org_admin_registers_a_matter_with_the_cadres_unit_of_the_day(personas: Personas) -> None:
    matter = received(personas)
    assert matter.state == MatterState.RECEIVED
    assert matter.unit == personas.carl_cadre.unit
    assert actions(matter)[:1] == ["matter.receive"]


def test_an_outsider_cannot_register_a_matter_about_a_cadre_outside_their_subtree(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.matter_receive(actor=personas.oscar, cadre=personas.carl_cadre, title="x", facts="y")


def test_a_reviewer_cannot_register_a_matter(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.matter_receive(actor=personas.rita, cadre=personas.carl_cadre, title="x", facts="y")


def test_a_matter_is_not_received_on_a_day_to_come(personas: Personas) -> None:
    today = timezone.localdate()
    for day in (date(2099, 1, 1), today + timedelta(days=1)):
        with pytest.raises(ValidationError) as raised:
            services.matter_receive(
                actor=personas.alice, cadre=personas.carl_cadre, title="项目损失", facts="事实", received_on=day
            )
        assert list(raised.value.message_dict) == ["received_on"]
    assert not AccountabilityMatter.objects.exists()
    for day in (today, date(2025, 11, 3)):
        matter = services.matter_receive(
            actor=personas.alice, cadre=personas.carl_cadre, title="项目损失", facts="事实", received_on=day
        )
        assert matter.received_on == day


def test_the_cadre_applies_for_themself_and_the_acceptance_clock_starts(personas: Personas) -> None:
    matter = applied(personas, applied_on=date(2025, 9, 30))
    assert matter.state == MatterState.APPLIED
    assert matter.applicant_kind == "cadre"
    # 10 working days after 30 Sep 2025, across the National Day holiday and the 11 Oct make-up day.
    assert matter.acceptance_deadline == date(2025, 10, 21)


def test_the_org_admin_records_a_proposal_by_the_accountability_body(personas: Personas) -> None:
    matter = services.matter_apply(
        actor=personas.alice, matter=received(personas), applicant_kind="body", statement="问责机关提出"
    )
    assert matter.applicant_kind == "body"
    assert matter.applied_by == personas.alice


def test_a_reviewer_cannot_apply_on_behalf_of_the_unit(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.matter_apply(actor=personas.rita, matter=received(personas), applicant_kind="unit", statement="x")


def test_someone_else_cannot_apply_as_the_cadre(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.matter_apply(actor=personas.alice, matter=received(personas), applicant_kind="cadre", statement="x")


def test_a_second_application_is_refused_as_a_conflict(personas: Personas) -> None:
    matter = applied(personas)
    with pytest.raises(InvalidTransition):
        services.matter_apply(actor=personas.alice, matter=matter, applicant_kind="unit", statement="again")


def test_acceptance_sets_a_one_month_investigation_deadline(personas: Personas) -> None:
    matter = services.matter_accept(actor=personas.alice, matter=applied(personas), accepted_on=date(2025, 1, 31))
    assert matter.state == MatterState.ACCEPTED
    assert matter.investigation_deadline == date(2025, 2, 28)


def test_a_reviewer_may_not_accept(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.matter_accept(actor=personas.rita, matter=applied(personas))


def test_a_title_longer_than_its_column_is_refused_not_cut_short(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        received(personas, title="招" * 201)
    assert list(raised.value.message_dict) == ["title"]
    assert not AccountabilityMatter.objects.exists()
    assert received(personas, title="招" * 200).title == "招" * 200


def test_a_received_matter_cannot_be_accepted_before_the_application(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        services.matter_accept(actor=personas.alice, matter=received(personas))


def test_not_accepting_needs_a_reason_and_ends_the_matter(personas: Personas) -> None:
    matter = applied(personas)
    with pytest.raises(ValidationError):
        services.matter_reject(actor=personas.alice, matter=matter, reason="  ")
    matter = services.matter_reject(actor=personas.alice, matter=matter, reason="不属于容错范围")
    assert matter.state == MatterState.NOT_ACCEPTED
    with pytest.raises(InvalidTransition):
        services.matter_accept(actor=personas.alice, matter=matter)


# --- investigation ---------------------------------------------------------------------------------


def test_starting_the_investigation_pins_the_default_ruleset(personas: Personas) -> None:
    matter = investigating(personas)
    assert matter.state == MatterState.INVESTIGATING
    assert matter.ruleset == "zigong-v1"


def test_changing_the_default_ruleset_later_does_not_change_a_pinned_matter(personas: Personas, settings: Any) -> None:
    matter = decided(personas)
    settings.FAULT_TOLERANCE_RULESET = "zigong-v9"
    decision_services.matter_appeal(actor=personas.carl, matter=matter, reason="事实认定有误")
    matter = services.matter_start_investigation(actor=personas.rita, matter=matter)
    assert matter.ruleset == "zigong-v1"
    # A new matter does read the new default (and fails loudly on an unknown one).
    with pytest.raises(ImproperlyConfigured):
        services.matter_start_investigation(actor=personas.rita, matter=accepted(personas, title="另一事项"))


def test_the_investigation_can_be_extended_once_by_at_most_a_month(personas: Personas) -> None:
    matter = services.matter_accept(actor=personas.alice, matter=applied(personas), accepted_on=date(2025, 3, 3))
    assert matter.investigation_deadline == date(2025, 4, 3)
    with pytest.raises(ValidationError):
        services.matter_extend_investigation(actor=personas.alice, matter=matter, until=date(2025, 5, 4), reason="x")
    with pytest.raises(ValidationError):
        services.matter_extend_investigation(actor=personas.alice, matter=matter, until=date(2025, 4, 20), reason="")
    matter = services.matter_extend_investigation(
        actor=personas.alice, matter=matter, until=date(2025, 5, 3), reason="需调取外省资料"
    )
    assert matter.investigation_deadline == date(2025, 5, 3)
    assert matter.investigation_deadline_original == date(2025, 4, 3)
    with pytest.raises(InvalidTransition):
        services.matter_extend_investigation(
            actor=personas.alice, matter=matter, until=date(2025, 5, 3), reason="again"
        )


def test_a_reviewer_may_not_grant_the_extension(personas: Personas) -> None:
    matter = accepted(personas)
    with pytest.raises(PermissionDenied):
        services.matter_extend_investigation(
            actor=personas.rita, matter=matter, until=matter.investigation_deadline + timedelta(days=3), reason="x"
        )


def test_only_an_assigned_reviewer_answers_the_checklist(personas: Personas) -> None:
    matter = investigating(personas)
    for outsider in (personas.audrey, personas.alice, personas.carl):
        with pytest.raises(PermissionDenied):
            answer(personas, matter, {"S1": "yes"}, by=outsider)


def test_the_checklist_refuses_a_value_the_criterion_does_not_take(personas: Personas) -> None:
    matter = investigating(personas)
    with pytest.raises(ValidationError):
        answer(personas, matter, {"S1": "partly"})


def test_the_checklist_cannot_be_answered_before_the_investigation(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        answer(personas, accepted(personas), {"S1": "yes"})


def test_saved_answers_record_who_answered(personas: Personas) -> None:
    matter = investigating(personas)
    answer(personas, matter, {"S1": "yes", "S2": "no"})
    row = ChecklistAnswer.objects.get(matter=matter, criterion_id="S2")
    assert (row.value, row.answered_by, row.evidence_note) == ("no", personas.rita, "S2 核实")


def test_the_recommendation_needs_a_checklist_that_decides(personas: Personas) -> None:
    matter = investigating(personas)
    answer(personas, matter, {"S1": "yes", "S2": "yes"})
    with pytest.raises(InvalidTransition, match="G1"):
        services.matter_recommend(actor=personas.rita, matter=matter)


def test_the_recommendation_is_the_engines_outcome_on_the_saved_answers(personas: Personas) -> None:
    matter = recommended(personas)
    assert matter.state == MatterState.RECOMMENDED
    assert matter.recommended_outcome == Outcome.EXEMPT
    assert matter.recommendation["reasons"]["zh"]


def test_the_checklist_is_frozen_once_recommended(personas: Personas) -> None:
    matter = recommended(personas)
    with pytest.raises(InvalidTransition):
        answer(personas, matter, {"S1": "no"})


# --- suggestions --------------------------------------------------------------------------------------


def test_g9_is_suggested_from_an_earlier_tolerated_decision(personas: Personas) -> None:
    earlier = decided(personas)
    matter = investigating(personas, title="第二个事项")
    row = ChecklistAnswer.objects.get(matter=matter, criterion_id="G9")
    assert row.suggested
    assert row.value == "yes"
    assert f"#{earlier.pk}" in row.suggestion_source
    assert "经容错认定为免责" in row.suggestion_source
    assert "was tolerated on" in row.suggestion_source
    assert ": exempted." in row.suggestion_source  # in words, not the outcome code


def test_g9_is_suggested_from_a_closed_rectification_case(personas: Personas) -> None:
    CadreMark.objects.create(
        cadre=personas.carl_cadre, kind=MarkKind.CASE_CLOSED, valid_from=date(2024, 6, 1), source="case:12"
    )
    matter = investigating(personas)
    row = ChecklistAnswer.objects.get(matter=matter, criterion_id="G9")
    assert row.suggested
    assert "case:12" in row.suggestion_source


def test_nothing_is_suggested_for_a_cadre_without_history(personas: Personas) -> None:
    matter = investigating(personas, is_inaction=True)
    assert not ChecklistAnswer.objects.filter(matter=matter).exists()


def test_g6_is_suggested_for_inaction_by_a_confirmed_lying_flat_target(personas: Personas) -> None:
    from cases.rectification.services import case_confirm, case_nominate

    case = case_nominate(actor=personas.alice, cadre=personas.carl_cadre, evidence={"flags": ["composite"]})
    case_confirm(actor=personas.alice, case=case, note="经组织评定，确定为重点整治对象")
    matter = investigating(personas, is_inaction=True)
    row = ChecklistAnswer.objects.get(matter=matter, criterion_id="G6")
    assert row.suggested
    assert row.value == "yes"
    assert f"case:{case.pk}" in row.suggestion_source


def test_g6_is_not_suggested_from_a_sanction_alone(personas: Personas) -> None:
    CadreMark.objects.create(
        cadre=personas.carl_cadre, kind=MarkKind.SANCTION, valid_from=date(2025, 1, 1), source="case:7"
    )
    matter = investigating(personas, is_inaction=True)
    assert not ChecklistAnswer.objects.filter(matter=matter, criterion_id="G6").exists()


def test_g6_is_not_suggested_when_the_matter_is_not_about_inaction(personas: Personas) -> None:
    CadreMark.objects.create(
        cadre=personas.carl_cadre, kind=MarkKind.RECTIFICATION_TARGET, valid_from=date(2025, 1, 1), source="case:7"
    )
    matter = investigating(personas, is_inaction=False)
    assert not ChecklistAnswer.objects.filter(matter=matter, criterion_id="G6").exists()


def test_g6_is_not_suggested_from_an_expired_mark(personas: Personas) -> None:
    CadreMark.objects.create(
        cadre=personas.carl_cadre,
        kind=MarkKind.RECTIFICATION_TARGET,
        valid_from=date(2020, 1, 1),
        valid_until=date(2021, 1, 1),
        source="case:7",
    )
    matter = investigating(personas, is_inaction=True)
    assert not ChecklistAnswer.objects.filter(matter=matter, criterion_id="G6").exists()


def test_a_suggestion_must_be_confirmed_before_the_recommendation(personas: Personas) -> None:
    decided(personas)
    matter = investigating(personas, title="第二个事项")
    services.checklist_save(
        actor=personas.rita,
        matter=matter,
        answers={cid: AnswerInput(value=v) for cid, v in EXEMPT_ANSWERS.items() if cid != "G9"},
    )
    with pytest.raises(InvalidTransition, match="G9"):
        services.matter_recommend(actor=personas.rita, matter=matter)
    # The reviewer overrides the suggestion (the earlier error was of another kind).
    answer(personas, matter, {"G9": "no"})
    row = ChecklistAnswer.objects.get(matter=matter, criterion_id="G9")
    assert not row.suggested
    assert row.suggested_value == "yes"
    assert row.answered_by == personas.rita
    assert services.matter_recommend(actor=personas.rita, matter=matter).recommended_outcome == Outcome.EXEMPT


def test_an_evidence_note_is_at_most_4000_characters_whoever_saves_it(personas: Personas) -> None:
    matter = investigating(personas)
    with pytest.raises(ValidationError) as raised:
        services.checklist_save(
            actor=personas.rita, matter=matter, answers={"S1": AnswerInput(value="yes", note="证" * 4001)}
        )
    assert list(raised.value.message_dict) == ["S1"]
    assert not ChecklistAnswer.objects.filter(matter=matter, criterion_id="S1", suggested=False).exists()
    services.checklist_save(
        actor=personas.rita, matter=matter, answers={"S1": AnswerInput(value="yes", note="证" * 4000)}
    )
    assert len(ChecklistAnswer.objects.get(matter=matter, criterion_id="S1").evidence_note) == 4000


# --- decision: two different people --------------------------------------------------------------------


def test_the_proposer_cannot_confirm_their_own_proposal(personas: Personas) -> None:
    matter = with_task(personas, recommended(personas))
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)
    with pytest.raises(PermissionDenied, match="second"):
        decision_services.decision_confirm(actor=personas.rita, matter=matter)
    matter.refresh_from_db()
    assert matter.state == MatterState.RECOMMENDED


def test_a_second_reviewer_confirms_and_the_matter_is_decided(personas: Personas) -> None:
    matter = decided(personas)
    assert matter.state == MatterState.DECIDED
    assert matter.decided_outcome == Outcome.EXEMPT
    decision = MatterDecision.objects.get(matter=matter)
    assert (decision.proposed_by, decision.confirmed_by) == (personas.rita, personas.rob)
    assert "matter.decision_confirm" in actions(matter)


def test_the_committee_chair_may_confirm_a_reviewers_proposal(personas: Personas) -> None:
    matter = with_task(personas, recommended(personas))
    services.matter_assign_reviewer(actor=personas.alice, matter=matter, user=personas.alice, committee_chair=True)
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)
    decision_services.decision_confirm(actor=personas.alice, matter=matter)
    matter.refresh_from_db()
    assert matter.state == MatterState.DECIDED


def test_an_org_admin_who_is_not_assigned_cannot_confirm(personas: Personas) -> None:
    matter = with_task(personas, recommended(personas))
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)
    for person in (personas.alice, personas.audrey):
        with pytest.raises(PermissionDenied):
            decision_services.decision_confirm(actor=person, matter=matter)


def test_the_auditor_cannot_propose(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        decision_services.decision_propose(
            actor=personas.audrey, matter=with_task(personas, recommended(personas)), outcome="EXEMPT"
        )


def test_departing_from_the_recommendation_needs_a_justification(personas: Personas) -> None:
    matter = recommended(personas)
    with pytest.raises(ValidationError) as caught:
        decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.NOT_TOLERATED)
    assert "justification" in caught.value.message_dict
    decision = decision_services.decision_propose(
        actor=personas.rita, matter=matter, outcome=Outcome.NOT_TOLERATED, justification="损失重大且未挽回"
    )
    assert decision.recommended_outcome == Outcome.EXEMPT
    assert decision.differs_from_recommendation


def test_an_exemption_needs_a_correction_task_before_it_can_be_proposed(personas: Personas) -> None:
    matter = recommended(personas)
    with pytest.raises(InvalidTransition, match="纠错"):
        decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)
    with pytest.raises(InvalidTransition, match="纠错"):
        decision_services.decision_propose(
            actor=personas.rita, matter=matter, outcome=Outcome.REDUCED, justification="x"
        )


def test_a_refusal_needs_no_correction_task(personas: Personas) -> None:
    matter = recommended(personas, NOT_TOLERATED_ANSWERS)
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.NOT_TOLERATED)
    decision_services.decision_confirm(actor=personas.rob, matter=matter)
    matter.refresh_from_db()
    assert matter.decided_outcome == Outcome.NOT_TOLERATED


def test_only_one_proposal_waits_at_a_time_and_a_declined_one_makes_room(personas: Personas) -> None:
    matter = with_task(personas, recommended(personas))
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)
    with pytest.raises(InvalidTransition):
        decision_services.decision_propose(actor=personas.rob, matter=matter, outcome=Outcome.EXEMPT)
    with pytest.raises(PermissionDenied):
        decision_services.decision_decline(actor=personas.rita, matter=matter, reason="我自己的")
    declined = decision_services.decision_decline(actor=personas.rob, matter=matter, reason="应从轻")
    assert declined.status == DecisionStatus.DECLINED
    decision_services.decision_propose(
        actor=personas.rob, matter=matter, outcome=Outcome.REDUCED, justification="有不利因素"
    )
    decision_services.decision_confirm(actor=personas.rita, matter=matter)
    matter.refresh_from_db()
    assert matter.decided_outcome == Outcome.REDUCED


def test_a_decided_matter_cannot_be_confirmed_again(personas: Personas) -> None:
    matter = decided(personas)
    with pytest.raises(InvalidTransition):
        decision_services.decision_confirm(actor=personas.rita, matter=matter)


def test_an_exemption_writes_the_no_negative_evaluation_mark(personas: Personas, settings: Any) -> None:
    settings.FAULT_TOLERANCE_EFFECT_MONTHS = 24
    matter = decided(personas)
    mark = CadreMark.objects.get(cadre=personas.carl_cadre, kind=MarkKind.NO_NEGATIVE_EVALUATION)
    assert mark.source == f"matter:{matter.pk}"
    assert mark.valid_from == matter.decided_on
    assert mark.valid_until == matter.decided_on.replace(year=matter.decided_on.year + 2)


def test_the_effect_period_is_configurable(personas: Personas, settings: Any) -> None:
    settings.FAULT_TOLERANCE_EFFECT_MONTHS = 12
    matter = decided(personas)
    mark = CadreMark.objects.get(source=f"matter:{matter.pk}")
    assert mark.valid_until == matter.decided_on.replace(year=matter.decided_on.year + 1)


def test_other_outcomes_write_no_mark(personas: Personas) -> None:
    decided(personas, outcome=Outcome.REDUCED)
    assert not CadreMark.objects.filter(kind=MarkKind.NO_NEGATIVE_EVALUATION).exists()


def test_a_different_decision_after_an_appeal_ends_the_exemption_mark(personas: Personas) -> None:
    matter = decided(personas)
    decision_services.matter_appeal(actor=personas.alice, matter=matter, reason="新证据")
    services.matter_start_investigation(actor=personas.rita, matter=matter)
    answer(personas, matter, {"G1": "yes"})
    services.matter_recommend(actor=personas.rita, matter=matter)
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.NOT_TOLERATED)
    decision_services.decision_confirm(actor=personas.rob, matter=matter)
    matter.refresh_from_db()
    mark = CadreMark.objects.get(source=f"matter:{matter.pk}")
    assert mark.valid_until == matter.decided_on
    assert MatterDecision.objects.filter(matter=matter, status=DecisionStatus.CONFIRMED).count() == 2


# --- appeal, corrections, feedback, filing, closing ------------------------------------------------------


def test_the_cadre_appeals_and_the_investigation_restarts_with_a_new_deadline(personas: Personas) -> None:
    matter = decision_services.matter_appeal(actor=personas.carl, matter=decided(personas), reason="不服")
    assert matter.state == MatterState.APPEALED
    matter = services.matter_start_investigation(actor=personas.rita, matter=matter)
    assert matter.state == MatterState.INVESTIGATING
    assert matter.investigation_deadline > timezone.localdate()


def test_a_reviewer_cannot_appeal_for_the_cadre(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        decision_services.matter_appeal(actor=personas.rita, matter=decided(personas), reason="x")


def test_an_undecided_matter_cannot_be_appealed(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        decision_services.matter_appeal(actor=personas.carl, matter=recommended(personas), reason="x")


def test_the_owner_of_a_correction_task_cannot_verify_it(personas: Personas) -> None:
    matter = decided(personas)
    task = decision_services.correction_task_add(
        actor=personas.rita,
        matter=matter,
        owner=personas.rob,
        description="修订项目审批流程",
        deadline=timezone.localdate() + timedelta(days=10),
    )
    with pytest.raises(PermissionDenied):
        decision_services.correction_task_verify(actor=personas.rob, task=task)
    verified = decision_services.correction_task_verify(actor=personas.rita, task=task, note="已修订")
    assert verified.verified_by == personas.rita
    with pytest.raises(InvalidTransition):
        decision_services.correction_task_verify(actor=personas.alice, task=task)


def test_a_verification_note_is_at_most_1000_characters(personas: Personas) -> None:
    task = decided(personas).correction_tasks.get()
    with pytest.raises(ValidationError) as raised:
        decision_services.correction_task_verify(actor=personas.rita, task=task, note="核" * 1001)
    assert list(raised.value.message_dict) == ["note"]
    task.refresh_from_db()
    assert task.verified_at is None
    verified = decision_services.correction_task_verify(actor=personas.rita, task=task, note="核" * 1000)
    assert len(verified.verification_note) == 1000


def test_a_correction_task_deadline_cannot_be_in_the_past(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        decision_services.correction_task_add(
            actor=personas.rita,
            matter=recommended(personas),
            owner=personas.carl,
            description="x",
            deadline=timezone.localdate() - timedelta(days=1),
        )


def test_a_correction_task_goes_only_to_someone_of_the_matters_unit_or_over_it(personas: Personas) -> None:
    matter = recommended(personas)
    deadline = timezone.localdate() + timedelta(days=10)
    # oscar is the organization department of another district; bella's cadre record has no account.
    with pytest.raises(ValidationError) as refused:
        decision_services.correction_task_add(
            actor=personas.rita, matter=matter, owner=personas.oscar, description="x", deadline=deadline
        )
    assert "owner" in refused.value.message_dict
    assert not matter.correction_tasks.exists()
    for owner in (personas.carl, personas.leo, personas.alice):  # a cadre of the unit, roles over it
        task = decision_services.correction_task_add(
            actor=personas.rita, matter=matter, owner=owner, description="x", deadline=deadline
        )
        assert task.owner == owner


def close_prerequisites(personas: Personas, matter: AccountabilityMatter) -> None:
    decision_services.feedback_record(actor=personas.rita, matter=matter, text="经集体认定，对你免予问责。")
    decision_services.filing_record(
        actor=personas.alice, matter=matter, filed_on=timezone.localdate(), filed_with="市纪委"
    )


def test_a_matter_closes_only_once_every_correction_task_is_verified(personas: Personas) -> None:
    matter = decided(personas)
    close_prerequisites(personas, matter)
    with pytest.raises(InvalidTransition, match="verified"):
        decision_services.matter_close(actor=personas.alice, matter=matter)
    decision_services.correction_task_verify(actor=personas.rita, task=matter.correction_tasks.get())
    matter = decision_services.matter_close(actor=personas.alice, matter=matter)
    assert matter.state == MatterState.CLOSED


def test_a_matter_closes_only_after_feedback_and_filing(personas: Personas) -> None:
    matter = decided(personas)
    decision_services.correction_task_verify(actor=personas.rita, task=matter.correction_tasks.get())
    with pytest.raises(InvalidTransition, match="feedback"):
        decision_services.matter_close(actor=personas.alice, matter=matter)
    decision_services.feedback_record(actor=personas.rita, matter=matter, text="反馈")
    with pytest.raises(InvalidTransition, match="备案"):
        decision_services.matter_close(actor=personas.alice, matter=matter)
    decision_services.filing_record(
        actor=personas.alice, matter=matter, filed_on=timezone.localdate(), filed_with="市纪委"
    )
    assert decision_services.matter_close(actor=personas.alice, matter=matter).state == MatterState.CLOSED


def test_feedback_notifies_the_cadre_on_commit(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    personas.carl.email = "carl@example.invalid"
    personas.carl.save()
    matter = decided(personas)
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.feedback_record(actor=personas.rita, matter=matter, text="经集体认定，对你免予问责。")
    assert [message.to for message in mail.outbox] == [["carl@example.invalid"]]
    assert "免予问责" not in mail.outbox[0].body  # the mail only points to the page


def test_the_name_is_cleared_only_for_a_tolerated_decision(personas: Personas) -> None:
    matter = decided(personas)
    matter = decision_services.publicity_record(
        actor=personas.alice, matter=matter, cleared_on=date(2025, 11, 3), text="澄清"
    )
    assert matter.name_cleared
    refused = decided(personas, outcome=Outcome.NOT_TOLERATED, answers=NOT_TOLERATED_ANSWERS, title="另一事项")
    with pytest.raises(InvalidTransition):
        decision_services.publicity_record(actor=personas.alice, matter=refused, cleared_on=date(2025, 11, 3), text="x")


def test_an_auditor_never_writes(personas: Personas) -> None:
    matter = decided(personas)
    with pytest.raises(PermissionDenied):
        decision_services.feedback_record(actor=personas.audrey, matter=matter, text="x")
    with pytest.raises(PermissionDenied):
        decision_services.filing_record(actor=personas.audrey, matter=matter, filed_on=date(2025, 1, 1), filed_with="x")


def test_the_filing_body_is_refused_when_longer_than_its_column(personas: Personas) -> None:
    matter = decided(personas)
    with pytest.raises(ValidationError) as raised:
        decision_services.filing_record(
            actor=personas.alice, matter=matter, filed_on=timezone.localdate(), filed_with="纪" * 201
        )
    assert list(raised.value.message_dict) == ["filed_with"]
    matter.refresh_from_db()
    assert matter.filed_with == ""


# --- pre-registration ----------------------------------------------------------------------------------


def test_a_cadre_pre_registers_a_measure_and_it_is_cited_in_a_later_matter(personas: Personas) -> None:
    prereg = services.prereg_create(
        actor=personas.carl, cadre=personas.carl_cadre, measure="先行垫付项目前期费用", risks="项目可能不落地"
    )
    assert prereg.unit == personas.carl_cadre.unit
    matter = services.prereg_link(actor=personas.rita, matter=investigating(personas), prereg=prereg)
    assert list(matter.preregistrations.all()) == [prereg]


def test_a_pre_registration_is_not_dated_in_the_future(personas: Personas) -> None:
    def register(day: date) -> None:
        services.prereg_create(
            actor=personas.carl, cadre=personas.carl_cadre, measure="x", risks="y", registered_on=day
        )

    with pytest.raises(ValidationError) as raised:
        register(timezone.localdate() + timedelta(days=1))
    assert list(raised.value.message_dict) == ["registered_on"]
    register(timezone.localdate() - timedelta(days=30))  # made on paper, entered later
    register(timezone.localdate())
    assert personas.carl_cadre.risk_preregistrations.count() == 2


def test_a_cadre_cannot_pre_register_for_a_colleague(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.prereg_create(actor=personas.carl, cadre=personas.dora_cadre, measure="x", risks="y")


def test_another_cadres_pre_registration_cannot_be_cited(personas: Personas) -> None:
    prereg = services.prereg_create(actor=personas.alice, cadre=personas.dora_cadre, measure="x", risks="y")
    with pytest.raises(ValidationError):
        services.prereg_link(actor=personas.rita, matter=investigating(personas), prereg=prereg)


def test_a_pre_registration_cannot_be_cited_after_the_decision(personas: Personas) -> None:
    prereg = services.prereg_create(actor=personas.carl, cadre=personas.carl_cadre, measure="x", risks="y")
    with pytest.raises(InvalidTransition):
        services.prereg_link(actor=personas.rita, matter=decided(personas), prereg=prereg)


# --- reminders -----------------------------------------------------------------------------------------


def with_emails(personas: Personas) -> None:
    for user in (personas.alice, personas.rita, personas.rob, personas.oscar, personas.audrey):
        user.email = f"{user.username}@example.invalid"
        user.save()


def test_an_overdue_acceptance_is_reminded_once_to_reviewers_and_org_admins(personas: Personas) -> None:
    with_emails(personas)
    matter = applied(personas, applied_on=date(2025, 9, 30))
    assert services.overdue_reminders_send(today=date(2025, 10, 22)) == 1
    assert services.overdue_reminders_send(today=date(2025, 10, 23)) == 0
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["alice@example.invalid", "rita@example.invalid", "rob@example.invalid"]
    reminder = Reminder.objects.get(matter=matter)
    assert (reminder.kind, reminder.due_on) == ("acceptance", date(2025, 10, 21))


def test_nothing_is_reminded_on_the_deadline_itself(personas: Personas) -> None:
    with_emails(personas)
    applied(personas, applied_on=date(2025, 9, 30))
    assert services.overdue_reminders_send(today=date(2025, 10, 21)) == 0
    assert mail.outbox == []


def test_an_extended_investigation_is_reminded_again_for_its_new_deadline(personas: Personas) -> None:
    with_emails(personas)
    matter = services.matter_accept(actor=personas.alice, matter=applied(personas), accepted_on=date(2025, 3, 3))
    assert services.overdue_reminders_send(today=date(2025, 4, 4)) == 1
    services.matter_extend_investigation(actor=personas.alice, matter=matter, until=date(2025, 5, 3), reason="x")
    assert services.overdue_reminders_send(today=date(2025, 4, 5)) == 0
    assert services.overdue_reminders_send(today=date(2025, 5, 4)) == 1
    assert Reminder.objects.filter(matter=matter).count() == 2


def test_the_daily_task_sends_the_reminders(personas: Personas) -> None:
    with_emails(personas)
    applied(personas, applied_on=timezone.localdate() - timedelta(days=40))
    assert remind_overdue_matters() == 1
    assert remind_overdue_matters() == 0
    assert len(mail.outbox) == 1


def test_the_daily_reminder_is_on_the_beat_schedule_and_registered(settings: Any) -> None:
    from project.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-overdue-matters-daily"]
    assert entry["task"] == "cases.matters.tasks.remind_overdue_matters"
    assert entry["task"] in app.tasks
