"""Rounds: creation rules, the draft → open → closed → published life cycle, permission, audit, visibility."""

from __future__ import annotations

import importlib
from decimal import Decimal
from fractions import Fraction

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from evaluations.exceptions import InvalidTransition
from evaluations.identification import round_identify
from evaluations.models import BallotToken, EvaluationRound, Manifestation, RoundState, RoundTurnout
from evaluations.permissions import allowed_round_actions, can_manage_round
from evaluations.selectors import round_turnout
from evaluations.services import (
    OpenedRound,
    RoundOptions,
    ballot_submit,
    manifestation_add,
    round_close,
    round_open,
    round_publish,
)
from project.audit.models import AuditEvent
from tests.conftest import Org, Personas
from tests.evaluations.conftest import create_round, populate, ratings_for

pytestmark = pytest.mark.django_db


def test_a_new_round_is_a_draft_with_the_default_rules_and_manifestations(draft_round: EvaluationRound) -> None:
    assert draft_round.state == RoundState.DRAFT
    assert (draft_round.weight_self, draft_round.weight_peer, draft_round.weight_leader) == (20, 40, 40)
    assert draft_round.k_anonymity == 3
    assert draft_round.composite_threshold == Decimal("2.00")
    assert draft_round.unfavourable_share == Fraction(1, 3)
    assert draft_round.gap_threshold == Decimal("1.50")
    assert (draft_round.small_unit_size, draft_round.min_peer_sheets) == (15, 8)
    items = Manifestation.objects.filter(round=draft_round).order_by("order")
    assert [m.code for m in items] == ["M1", "M2", "M3", "M4", "M5"]
    assert items[0].label_zh == "推诿扯皮、上推下卸"
    assert items[1].label_en == "Waiting for retirement"


def test_creating_a_round_is_audited(draft_round: EvaluationRound, personas: Personas) -> None:
    event = AuditEvent.objects.for_object(draft_round).get()
    assert event.action == "evaluation_round.create"
    assert event.actor_id == personas.alice.pk


def test_weights_that_do_not_sum_to_100_are_refused_with_a_clear_message(org: Org, personas: Personas) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        create_round(personas.alice, org.district_a, options=RoundOptions(weight_self=30))
    assert caught.value.message_dict["weight_leader"] == [
        "The weights must add up to 100: self 30 + peer 40 + leader 40 = 110."
    ]
    assert not EvaluationRound.objects.exists()


def test_an_anonymity_threshold_below_2_is_refused(org: Org, personas: Personas) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        create_round(personas.alice, org.district_a, options=RoundOptions(k_anonymity=1))
    assert caught.value.message_dict["k_anonymity"] == ["The anonymity threshold k must be at least 2."]


def test_a_round_needs_a_title_of_at_most_200_characters(org: Org, personas: Personas) -> None:
    for title in ("", "   ", "测" * 201):
        with translation.override("en"), pytest.raises(ValidationError) as caught:
            create_round(personas.alice, org.district_a, title=title)
        assert list(caught.value.message_dict) == ["title"]
    assert not EvaluationRound.objects.exists()
    assert create_round(personas.alice, org.district_a, title=" 测" * 100).title == ("测 " * 100).strip()


@pytest.mark.parametrize(
    "options",
    [
        RoundOptions(k_anonymity=40000),
        RoundOptions(small_unit_size=40000),
        RoundOptions(min_peer_sheets=40000),
        RoundOptions(unfavourable_share_numerator=1, unfavourable_share_denominator=40000),
    ],
)
def test_settings_beyond_what_the_method_means_are_refused_on_their_field(
    org: Org, personas: Personas, options: RoundOptions
) -> None:
    # Their columns are small integers: PostgreSQL would refuse 40,000 with a server error.
    with pytest.raises(ValidationError) as caught:
        create_round(personas.alice, org.district_a, options=options)
    assert len(caught.value.message_dict) == 1
    assert not EvaluationRound.objects.exists()


def test_the_database_itself_refuses_weights_that_do_not_sum_to_100(draft_round: EvaluationRound) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationRound.objects.filter(pk=draft_round.pk).update(weight_self=50)


def test_only_an_org_admin_over_the_scope_creates_a_round(org: Org, personas: Personas) -> None:
    for outsider in (personas.oscar, personas.audrey, personas.leo, personas.carl):
        with pytest.raises(PermissionDenied):
            create_round(outsider, org.district_a)
    assert not EvaluationRound.objects.exists()


def test_a_round_goes_from_draft_to_open_to_closed_to_published(
    draft_round: EvaluationRound, personas: Personas
) -> None:
    opened = round_open(actor=personas.alice, round=draft_round)
    assert opened.round.state == RoundState.OPEN
    assert opened.round.opened_at is not None
    closed = round_close(actor=personas.alice, round=draft_round)
    assert closed.state == RoundState.CLOSED
    assert closed.closed_at is not None
    round_identify(actor=personas.alice, round=draft_round, inline=True)
    published = round_publish(actor=personas.alice, round=draft_round)
    assert published.state == RoundState.PUBLISHED
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.PUBLISHED
    actions = list(AuditEvent.objects.for_object(draft_round).values_list("action", flat=True))
    assert actions == [
        "evaluation_round.create",
        "evaluation_round.open",
        "evaluation_round.close",
        "evaluation_round.identify",
        "evaluation_round.identified",
        "evaluation_round.publish",
    ]


def test_a_round_without_frozen_results_cannot_be_published(draft_round: EvaluationRound, personas: Personas) -> None:
    round_open(actor=personas.alice, round=draft_round)
    round_close(actor=personas.alice, round=draft_round)
    with translation.override("en"), pytest.raises(InvalidTransition, match="Identify the candidates first"):
        round_publish(actor=personas.alice, round=draft_round)
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.CLOSED


def test_the_close_event_records_turnout_per_unit_and_nothing_per_ballot(
    draft_round: EvaluationRound, personas: Personas
) -> None:
    round_open(actor=personas.alice, round=draft_round)
    round_close(actor=personas.alice, round=draft_round)
    event = AuditEvent.objects.get(action="evaluation_round.close")
    # Section 1 (carl, dora) has two ballots; the bureau's only cadre has no colleague to rate.
    assert event.data == {"turnout": {"A-DRC-1": [0, 2]}}


def test_closing_deletes_the_tokens_and_freezes_the_turnout_they_counted(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    # Two units with ballots, so that the frozen rows are per unit and in tree order.
    colleagues = populate(org.section_2, 3, "投资")
    opened = round_open(actor=personas.alice, round=draft_round)
    by_unit = {unit.pk: [t for t in opened.tokens if t.unit_id == unit.pk] for unit in (org.section_1, org.section_2)}
    used = by_unit[org.section_1.pk][:1] + by_unit[org.section_2.pk][:2]
    for ballot in used:
        ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    other_round = create_round(personas.alice, org.district_a, title="另一轮")
    other = round_open(actor=personas.alice, round=other_round)
    while_open = round_turnout(round=draft_round)
    assert len(while_open) == 2
    assert [(t.unit_name, t.used, t.issued) for t in while_open] == [("综合科", 1, 2), ("投资科", 2, len(colleagues))]

    round_close(actor=personas.alice, round=draft_round)

    assert not BallotToken.objects.filter(round=draft_round).exists()
    assert BallotToken.objects.filter(round=other_round).count() == len(other.tokens)  # another round keeps its own
    frozen = {(t.unit_id, t.issued, t.used) for t in RoundTurnout.objects.filter(round=draft_round)}
    assert frozen == {(t.unit_id, t.issued, t.used) for t in while_open}
    draft_round.refresh_from_db()
    assert round_turnout(round=draft_round) == while_open


def _identify(*, actor: object, round: EvaluationRound) -> None:
    round_identify(actor=actor, round=round, inline=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ([], round_close, "Only an open round can be closed; “2026年度躺平式干部测评” is draft."),
        ([], round_publish, "Only a closed round can be published; “2026年度躺平式干部测评” is draft."),
        ([round_open], round_open, "Only a draft round can be opened; “2026年度躺平式干部测评” is open for rating."),
        (
            [round_open, round_close],
            round_close,
            "Only an open round can be closed; “2026年度躺平式干部测评” is closed.",
        ),
        ([round_open, round_close, _identify, round_publish], round_open, "Only a draft round can be opened;"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_with_a_message(
    draft_round: EvaluationRound, personas: Personas, steps: list, action: object, message: str
) -> None:
    for step in steps:
        step(actor=personas.alice, round=draft_round)
    state_before = EvaluationRound.objects.get(pk=draft_round.pk).state
    events_before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(InvalidTransition) as caught:
        action(actor=personas.alice, round=draft_round)  # type: ignore[operator]
    assert caught.value.message.startswith(message)
    assert EvaluationRound.objects.get(pk=draft_round.pk).state == state_before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("persona", ["audrey", "leo", "carl", "oscar"])
def test_only_an_org_admin_over_the_scope_may_open_a_round(
    draft_round: EvaluationRound, personas: Personas, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        round_open(actor=getattr(personas, persona), round=draft_round)
    assert EvaluationRound.objects.get(pk=draft_round.pk).state == RoundState.DRAFT


def test_an_auditor_may_neither_close_nor_publish(draft_round: EvaluationRound, personas: Personas) -> None:
    round_open(actor=personas.alice, round=draft_round)
    with pytest.raises(PermissionDenied):
        round_close(actor=personas.audrey, round=draft_round)
    round_close(actor=personas.alice, round=draft_round)
    with pytest.raises(PermissionDenied):
        round_publish(actor=personas.audrey, round=draft_round)


def test_an_org_admin_of_a_parent_unit_manages_a_round_below(org: Org, personas: Personas) -> None:
    section_round = create_round(personas.alice, org.section_1)
    assert can_manage_round(personas.alice, section_round)
    assert not can_manage_round(personas.oscar, section_round)


def test_buttons_come_from_the_same_checks_as_the_services(draft_round: EvaluationRound, personas: Personas) -> None:
    assert allowed_round_actions(personas.alice, draft_round) == ["open"]
    assert allowed_round_actions(personas.audrey, draft_round) == []
    round_open(actor=personas.alice, round=draft_round)
    draft_round.refresh_from_db()
    assert allowed_round_actions(personas.alice, draft_round) == ["close"]


def test_a_round_cannot_open_without_manifestations(draft_round: EvaluationRound, personas: Personas) -> None:
    Manifestation.objects.filter(round=draft_round).delete()
    with pytest.raises(InvalidTransition):
        round_open(actor=personas.alice, round=draft_round)


def test_a_round_may_add_its_own_manifestation_while_it_is_a_draft(
    draft_round: EvaluationRound, personas: Personas
) -> None:
    manifestation_add(
        actor=personas.alice, round=draft_round, code="M6", label_zh="不作为", label_en="Inaction", order=6
    )
    assert Manifestation.objects.filter(round=draft_round).count() == 6
    round_open(actor=personas.alice, round=draft_round)
    with pytest.raises(InvalidTransition):
        manifestation_add(actor=personas.alice, round=draft_round, code="M7", label_zh="七", label_en="Seven")


def test_the_state_cannot_be_assigned_directly(draft_round: EvaluationRound) -> None:
    with pytest.raises(AttributeError):
        draft_round.state = RoundState.PUBLISHED


def test_org_admins_and_auditors_see_the_rounds_of_their_subtree(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    b_round = create_round(personas.oscar, org.district_b)
    assert list(EvaluationRound.objects.visible_to(personas.alice)) == [draft_round]
    assert list(EvaluationRound.objects.visible_to(personas.audrey)) == [draft_round]
    assert list(EvaluationRound.objects.visible_to(personas.oscar)) == [b_round]


@pytest.mark.parametrize("persona", ["leo", "carl", "ivy", "rita"])
def test_leaders_cadres_and_other_roles_see_no_round(
    draft_round: EvaluationRound, personas: Personas, persona: str
) -> None:
    assert not EvaluationRound.objects.visible_to(getattr(personas, persona)).exists()


def test_the_migration_freezes_rounds_closed_before_it_and_deletes_their_tokens(
    draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    freeze = importlib.import_module("evaluations.migrations.0003_round_turnout").freeze_closed_rounds
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    EvaluationRound.objects.filter(pk=draft_round.pk).update(state=RoundState.CLOSED)  # closed the old way
    freeze(apps, None)  # the live registry stands in for the migration's historical one
    assert not BallotToken.objects.filter(round=draft_round).exists()
    assert list(RoundTurnout.objects.filter(round=draft_round).values_list("issued", "used")) == [(2, 1)]
