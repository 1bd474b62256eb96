"""The case workflow through its services: every transition, its guard, who may take it, and the marks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.matters.workdays import add_months
from cases.rectification import period_services, services, talk_services
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import (
    CaseState,
    CommitmentStatus,
    RectificationCase,
)
from cases.rectification.services import RoundRef
from cases.rectification.talk_services import CommitmentInput
from project.audit.models import AuditEvent
from project.audit.verify import verify_chain
from project.org.models import CadreMark, MarkKind, Role
from project.org.services import role_grant
from tests.cases.rectification.states import (
    DETERMINATION,
    EVIDENCE,
    ROUND,
    closed_rectified,
    confirmed,
    escalated,
    nominated,
    ready_to_rectify,
    record_talk,
    rectifying,
    signed,
    talking,
    verifying,
    visits_found,
)
from tests.conftest import Personas, make_cadre, make_user

pytestmark = pytest.mark.django_db


def actions_of(case: RectificationCase) -> list[str]:
    return list(AuditEvent.objects.for_object(case).values_list("action", flat=True))


# --- nomination and opening ----------------------------------------------------------------------------


def test_a_nomination_freezes_the_rounds_evidence(personas: Personas) -> None:
    evidence = {"scores": {"composite": 2.5}, "flags": ["composite"], "reasons": ["综合指数 2.50 ≥ 2.0"]}
    case = services.case_nominate(actor=None, cadre=personas.carl_cadre, evidence=evidence, round_ref=ROUND)
    evidence["scores"]["composite"] = 0.1
    case.refresh_from_db()
    assert case.state == CaseState.NOMINATED
    assert case.evidence["scores"]["composite"] == 2.5
    assert (case.round_id, case.round_title) == (ROUND.id, ROUND.title)
    assert case.unit == personas.carl_cadre.unit
    assert actions_of(case) == ["case.nominate"]


def test_nominating_the_same_cadre_from_the_same_round_twice_returns_the_first_case(personas: Personas) -> None:
    first = nominated(personas)
    again = nominated(personas)
    assert again.pk == first.pk
    assert RectificationCase.objects.count() == 1
    assert actions_of(first) == ["case.nominate"]


def test_a_cadre_cannot_have_two_open_cases(personas: Personas) -> None:
    nominated(personas)
    with pytest.raises(InvalidTransition) as error:
        nominated(personas, round_ref=RoundRef(id=8, title="另一轮"))
    assert error.value.code == "open_case"


def test_evidence_must_be_plain_data(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        services.case_nominate(actor=None, cadre=personas.carl_cadre, evidence={"when": object()})


def test_an_outsider_cannot_nominate_a_cadre_of_another_district(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.case_nominate(actor=personas.oscar, cadre=personas.carl_cadre, evidence=EVIDENCE)


def test_the_organization_department_opens_a_case_by_hand_with_a_reason(personas: Personas) -> None:
    case = services.case_open_manually(
        actor=personas.alice, cadre=personas.dora_cadre, reason="群众来信反映长期不作为", manifestations=["M2", "M2"]
    )
    assert case.state == CaseState.NOMINATED
    assert case.round_id is None
    assert case.opening_reason == "群众来信反映长期不作为"
    assert case.manifestations == ["M2"]
    assert actions_of(case) == ["case.open"]


def test_opening_by_hand_needs_a_reason_and_the_organization_department(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        services.case_open_manually(actor=personas.alice, cadre=personas.dora_cadre, reason="  ")
    for person in (personas.leo, personas.audrey, personas.oscar, personas.carl):
        with pytest.raises(PermissionDenied):
            services.case_open_manually(actor=person, cadre=personas.dora_cadre, reason="理由")


# --- repeat offence (屡教不改) ---------------------------------------------------------------------------


def test_a_new_case_after_a_closed_one_links_it_and_is_a_repeat_offence(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = closed_rectified(personas, monkeypatch)
    new = nominated(personas, round_ref=RoundRef(id=9, title="2027年测评"))
    assert new.predecessor == old
    assert new.repeat_offence is True
    assert "M5" in new.manifestations


def test_a_first_case_is_not_a_repeat_offence(personas: Personas) -> None:
    case = nominated(personas)
    assert case.predecessor is None
    assert case.repeat_offence is False


def test_a_withdrawn_earlier_case_does_not_make_a_repeat_offence(personas: Personas) -> None:
    old = nominated(personas)
    period_services.case_withdraw(actor=personas.alice, case=old, reason="transferred")
    new = nominated(personas, round_ref=RoundRef(id=9, title="2027年测评"))
    assert new.predecessor is None
    assert not new.repeat_offence


# --- determination ---------------------------------------------------------------------------------------


def test_the_organization_department_confirms_with_a_determination_note(personas: Personas) -> None:
    case = confirmed(personas)
    assert case.state == CaseState.CONFIRMED
    assert case.determination_note == DETERMINATION
    assert case.determined_by == personas.alice
    assert actions_of(case) == ["case.nominate", "case.confirm"]


def test_confirming_needs_a_note(personas: Personas) -> None:
    case = nominated(personas)
    with pytest.raises(ValidationError):
        services.case_confirm(actor=personas.alice, case=case, note=" ")
    case.refresh_from_db()
    assert case.state == CaseState.NOMINATED


def test_dismissing_needs_a_reason_and_records_it(personas: Personas) -> None:
    case = nominated(personas)
    with pytest.raises(ValidationError):
        services.case_dismiss(actor=personas.alice, case=case, reason="")
    case = services.case_dismiss(actor=personas.alice, case=case, reason="系因病长期请假，不属躺平")
    assert case.state == CaseState.DISMISSED
    assert case.dismissal_reason == "系因病长期请假，不属躺平"


@pytest.mark.parametrize("who", ["leo", "audrey", "ivy", "rita", "oscar", "carl"])
def test_only_the_organization_department_determines(personas: Personas, who: str) -> None:
    case = nominated(personas)
    with pytest.raises(PermissionDenied):
        services.case_confirm(actor=getattr(personas, who), case=case, note=DETERMINATION)
    with pytest.raises(PermissionDenied):
        services.case_dismiss(actor=getattr(personas, who), case=case, reason="理由")


def test_a_confirmed_case_cannot_be_confirmed_or_dismissed_again(personas: Personas) -> None:
    case = confirmed(personas)
    with pytest.raises(InvalidTransition) as error:
        services.case_confirm(actor=personas.alice, case=case, note=DETERMINATION)
    assert error.value.code == "state"
    with pytest.raises(InvalidTransition):
        services.case_dismiss(actor=personas.alice, case=case, reason="理由")


def test_the_wrong_state_is_told_before_the_wrong_person(personas: Personas) -> None:
    case = confirmed(personas)
    with pytest.raises(InvalidTransition):
        services.case_confirm(actor=personas.leo, case=case, note=DETERMINATION)


def test_an_org_admin_who_is_the_cadre_cannot_determine_their_own_case(personas: Personas, org: object) -> None:
    role_grant(actor=None, user=personas.carl, role=Role.ORG_ADMIN, unit=personas.carl_cadre.unit)
    case = nominated(personas)
    with pytest.raises(PermissionDenied):
        services.case_confirm(actor=personas.carl, case=case, note=DETERMINATION)


def test_a_confirmed_case_writes_only_the_target_mark(personas: Personas) -> None:
    case = confirmed(personas)
    kinds = list(CadreMark.objects.filter(source=f"case:{case.pk}").values_list("kind", flat=True))
    assert kinds == [MarkKind.RECTIFICATION_TARGET]


# --- the leader in charge ------------------------------------------------------------------------------


def test_assigning_the_leader_in_charge_starts_the_talks(personas: Personas) -> None:
    case = talking(personas)
    assert case.state == CaseState.TALKING
    assert case.leader == personas.leo


def test_the_leader_must_lead_the_cadres_unit(personas: Personas) -> None:
    case = confirmed(personas)
    for person in (personas.ivy, personas.alice, personas.oscar):
        with pytest.raises(ValidationError):
            services.case_assign_leader(actor=personas.alice, case=case, leader=person)


def test_the_cadre_can_never_lead_their_own_case(personas: Personas) -> None:
    role_grant(actor=None, user=personas.carl, role=Role.LEADER, unit=personas.carl_cadre.unit)
    case = confirmed(personas)
    with pytest.raises(ValidationError):
        services.case_assign_leader(actor=personas.alice, case=case, leader=personas.carl)


def test_a_subordinate_of_the_cadre_cannot_lead_the_case(personas: Personas, org: object) -> None:
    leo_cadre = personas.leo.cadre  # 李强, 副局长 of the bureau
    sam = make_user("sam", "孙明")
    make_cadre(personas.carl_cadre.unit, "A-0009", "孙明", user=sam, post="科长")  # in a section below the bureau
    role_grant(actor=None, user=sam, role=Role.LEADER, unit=leo_cadre.unit)
    boss = make_user("bob", "鲍勃")
    make_cadre(leo_cadre.unit.parent, "A-0010", "鲍勃", user=boss, post="区委常委")
    role_grant(actor=None, user=boss, role=Role.LEADER, unit=leo_cadre.unit.parent)
    case = services.case_confirm(actor=personas.alice, case=nominated(personas, cadre=leo_cadre), note=DETERMINATION)
    with pytest.raises(ValidationError):
        services.case_assign_leader(actor=personas.alice, case=case, leader=sam)
    with pytest.raises(ValidationError):
        services.case_assign_leader(actor=personas.alice, case=case, leader=personas.leo)
    assert services.case_assign_leader(actor=personas.alice, case=case, leader=boss).leader == boss


def test_only_the_organization_department_assigns_the_leader(personas: Personas) -> None:
    case = confirmed(personas)
    for person in (personas.leo, personas.audrey):
        with pytest.raises(PermissionDenied):
            services.case_assign_leader(actor=person, case=case, leader=personas.leo)


def test_a_leader_cannot_be_assigned_before_the_determination(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        services.case_assign_leader(actor=personas.alice, case=nominated(personas), leader=personas.leo)


# --- the rectification period --------------------------------------------------------------------------


def test_rectifying_needs_a_talk_signed_by_the_talker(personas: Personas) -> None:
    case = talking(personas)
    record_talk(personas, case)
    talk_services.plan_create(actor=personas.leo, case=case, measures="整改措施")
    with pytest.raises(InvalidTransition) as error:
        period_services.case_start_rectifying(actor=personas.leo, case=case)
    assert error.value.code == "talk"


def test_rectifying_needs_a_plan(personas: Personas) -> None:
    case, _talk = signed(personas)
    with pytest.raises(InvalidTransition) as error:
        period_services.case_start_rectifying(actor=personas.leo, case=case)
    assert error.value.code == "plan"


def test_rectifying_needs_a_commitment_with_a_deadline(personas: Personas) -> None:
    case = talking(personas)
    talk = record_talk(personas, case, commitments=[CommitmentInput("提高工作效率", None)])
    talk_services.talk_sign(actor=personas.leo, talk=talk)
    talk_services.plan_create(actor=personas.leo, case=case, measures="整改措施")
    with pytest.raises(InvalidTransition) as error:
        period_services.case_start_rectifying(actor=personas.leo, case=case)
    assert error.value.code == "commitment"
    talk_services.commitment_add(
        actor=personas.leo, case=case, text="月底前完成积压件", deadline=date.today() + timedelta(9)
    )
    assert period_services.case_start_rectifying(actor=personas.leo, case=case).state == CaseState.RECTIFYING


def test_the_period_lasts_six_months_by_default(personas: Personas) -> None:
    case = rectifying(personas)
    today = timezone.localdate()
    assert (case.period_start, case.period_end) == (today, add_months(today, 6))


def test_the_period_follows_the_plans_months(personas: Personas) -> None:
    case = rectifying(personas, months=3, start=date(2026, 1, 31))
    assert (case.period_start, case.period_end) == (date(2026, 1, 31), date(2026, 4, 30))


def test_a_plan_period_outside_one_to_24_months_is_refused(personas: Personas) -> None:
    case = talking(personas)
    for months in (0, 25):
        with pytest.raises(ValidationError):
            talk_services.plan_create(actor=personas.leo, case=case, measures="措施", period_months=months)


def test_the_auditor_cannot_start_the_period(personas: Personas) -> None:
    case = ready_to_rectify(personas)
    with pytest.raises(PermissionDenied):
        period_services.case_start_rectifying(actor=personas.audrey, case=case)


def test_the_organization_department_moves_a_case_to_verification_early(personas: Personas) -> None:
    case = verifying(personas)
    assert case.state == CaseState.VERIFYING
    assert case.verifying_since is not None


def test_the_leader_cannot_end_the_period_early(personas: Personas) -> None:
    case = rectifying(personas)
    with pytest.raises(PermissionDenied):
        period_services.case_move_to_verifying(actor=personas.leo, case=case)


def test_the_scheduled_job_refuses_a_period_that_has_not_ended(personas: Personas) -> None:
    case = rectifying(personas)
    with pytest.raises(InvalidTransition) as error:
        period_services.case_period_ended(case=case)
    assert error.value.code == "period"


def test_the_scheduled_job_moves_a_case_whose_period_ended(personas: Personas) -> None:
    case = rectifying(personas, start=timezone.localdate() - timedelta(days=200))
    moved = period_services.case_period_ended(case=case)
    assert moved.state == CaseState.VERIFYING
    event = AuditEvent.objects.for_object(case).get(action="case.verify")
    assert event.actor_id is None
    assert event.actor_label == "system"


# --- verification: the guards that wait for the visits --------------------------------------------------


def test_closing_as_rectified_is_blocked_until_a_visit_finds_improvement(personas: Personas) -> None:
    case = verifying(personas)
    with pytest.raises(InvalidTransition) as error:
        period_services.case_close_rectified(actor=personas.alice, case=case)
    assert error.value.code == "verdict"
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING


def test_escalating_is_blocked_until_a_visit_finds_no_improvement(personas: Personas) -> None:
    case = verifying(personas)
    with pytest.raises(InvalidTransition) as error:
        period_services.case_escalate(actor=personas.alice, case=case, measure="admonishment", note="诫勉")
    assert error.value.code == "verdict"


def test_closing_as_rectified_writes_the_case_closed_mark_for_the_relapse_window(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = closed_rectified(personas, monkeypatch)
    assert case.state == CaseState.CLOSED_RECTIFIED
    mark = CadreMark.objects.get(source=f"case:{case.pk}", kind=MarkKind.CASE_CLOSED)
    today = timezone.localdate()
    assert mark.cadre == personas.carl_cadre
    assert (mark.valid_from, mark.valid_until) == (today, add_months(today, 24))
    target = CadreMark.objects.get(source=f"case:{case.pk}", kind=MarkKind.RECTIFICATION_TARGET)
    assert target.valid_until == today


def test_only_the_organization_department_closes(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    case = verifying(personas)
    visits_found(monkeypatch, improved=True)
    with pytest.raises(PermissionDenied):
        period_services.case_close_rectified(actor=personas.leo, case=case)


def test_escalating_records_the_measure_and_a_sanction_mark(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    assert case.state == CaseState.ESCALATED
    assert case.handling_measure == "admonishment"
    mark = CadreMark.objects.get(source=f"case:{case.pk}", kind=MarkKind.SANCTION)
    assert mark.valid_until == date(timezone.localdate().year, 12, 31)


def test_escalating_needs_a_measure_from_the_ladder(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    case = verifying(personas)
    visits_found(monkeypatch, improved=False)
    with pytest.raises(ValidationError):
        period_services.case_escalate(actor=personas.alice, case=case, measure="flogging", note="不存在的措施")


def test_an_escalated_case_gets_a_new_period(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    case = period_services.case_restart_rectifying(
        actor=personas.alice, case=escalated(personas, monkeypatch), period_months=3
    )
    today = timezone.localdate()
    assert case.state == CaseState.RECTIFYING
    assert (case.period_start, case.period_end) == (today, add_months(today, 3))


def test_an_escalated_case_closes_after_handling_with_the_case_closed_mark(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = period_services.case_close_handled(actor=personas.alice, case=escalated(personas, monkeypatch))
    assert case.state == CaseState.CLOSED_HANDLED
    kinds = set(CadreMark.objects.filter(source=f"case:{case.pk}").values_list("kind", flat=True))
    assert kinds == {MarkKind.RECTIFICATION_TARGET, MarkKind.SANCTION, MarkKind.CASE_CLOSED}


# --- withdrawal -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [nominated, confirmed, talking, rectifying, verifying])
def test_any_open_case_can_be_withdrawn_with_a_reason(personas: Personas, build: object) -> None:
    case = build(personas)  # type: ignore[operator]
    case = period_services.case_withdraw(actor=personas.alice, case=case, reason="retired")
    assert case.state == CaseState.WITHDRAWN
    assert case.withdrawal_reason == "retired"


def test_withdrawing_for_another_reason_needs_a_note(personas: Personas) -> None:
    case = nominated(personas)
    with pytest.raises(ValidationError):
        period_services.case_withdraw(actor=personas.alice, case=case, reason="other")
    with pytest.raises(ValidationError):
        period_services.case_withdraw(actor=personas.alice, case=case, reason="bored")
    assert (
        period_services.case_withdraw(actor=personas.alice, case=case, reason="other", note="借调省厅").state
        == "withdrawn"
    )


def test_closed_dismissed_or_withdrawn_cases_cannot_be_withdrawn(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = closed_rectified(personas, monkeypatch)
    with pytest.raises(InvalidTransition):
        period_services.case_withdraw(actor=personas.alice, case=case, reason="retired")


def test_the_leader_cannot_withdraw_a_case(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        period_services.case_withdraw(actor=personas.leo, case=talking(personas), reason="retired")


# --- care measures, commitments ----------------------------------------------------------------------------


def test_care_measures_are_dated_and_attributed(personas: Personas) -> None:
    case = talking(personas)
    measure = talk_services.care_measure_add(
        actor=personas.leo, case=case, kind="union_visit", description="工会走访慰问家属", on=date(2026, 3, 8)
    )
    assert (measure.on, measure.recorded_by, measure.kind) == (date(2026, 3, 8), personas.leo, "union_visit")
    with pytest.raises(ValidationError):
        talk_services.care_measure_add(actor=personas.leo, case=case, kind="bonus", description="奖金")
    with pytest.raises(PermissionDenied):
        talk_services.care_measure_add(actor=personas.audrey, case=case, kind="training", description="培训")


def test_care_measures_wait_for_the_determination(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        talk_services.care_measure_add(
            actor=personas.alice, case=nominated(personas), kind="training", description="培训"
        )


def test_a_commitment_past_its_deadline_is_overdue_until_done(personas: Personas) -> None:
    case = talking(personas)
    yesterday = timezone.localdate() - timedelta(days=1)
    # A talk held three days ago and recorded today: its deadline has passed since.
    talk = record_talk(personas, case, deadline=yesterday, held_at=timezone.now() - timedelta(days=3))
    commitment = talk.commitments.get()
    today = timezone.localdate()
    assert commitment.is_overdue(today)
    assert RectificationCase.objects.overdue(today).filter(pk=case.pk).exists()
    done = talk_services.commitment_mark_done(actor=personas.leo, commitment=commitment)
    assert done.status == CommitmentStatus.DONE
    assert not done.is_overdue(today)
    assert not RectificationCase.objects.overdue(today).filter(pk=case.pk).exists()


def test_the_cadre_cannot_check_off_their_own_commitment(personas: Personas) -> None:
    case = talking(personas)
    commitment = record_talk(personas, case).commitments.get()
    with pytest.raises(PermissionDenied):
        talk_services.commitment_mark_done(actor=personas.carl, commitment=commitment)
    talk_services.commitment_mark_done(actor=personas.alice, commitment=commitment)
    with pytest.raises(InvalidTransition):
        talk_services.commitment_mark_done(actor=personas.leo, commitment=commitment)


def test_every_step_is_on_the_audit_chain_in_order(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    case = closed_rectified(personas, monkeypatch)
    assert actions_of(case) == [
        "case.nominate",
        "case.confirm",
        "case.assign_leader",
        "case.plan",
        "case.start_rectifying",
        "case.verify",
        "case.close_rectified",
    ]
    assert verify_chain().ok
