"""Who rates whom, generated when a round opens: self, peers (with sampling), leaders, conflicts."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from evaluations.models import (
    BallotToken,
    ConflictKind,
    EvaluationRound,
    IdentifiedRating,
    PeerGroupMode,
    Relation,
)
from evaluations.participation import draw_peer_ballots, sampling_seed
from evaluations.services import (
    IssuedToken,
    RoundOptions,
    conflict_declare,
    peer_group_create,
    round_open,
)
from project.org.models import Cadre, Role
from project.org.services import role_grant
from tests.conftest import Org, Personas, make_cadre, make_user
from tests.evaluations.conftest import create_round, populate

pytestmark = pytest.mark.django_db


def ballots_by_recipient(tokens: list[IssuedToken]) -> dict[int, set[int]]:
    return {t.recipient_id: set(t.subject_ids) for t in tokens if t.recipient_id is not None}


def sheets_received(tokens: list[IssuedToken]) -> Counter[int]:
    return Counter(sid for t in tokens for sid in t.subject_ids)


def test_every_active_cadre_in_scope_gets_a_self_evaluation(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    retired = make_cadre(org.section_1, "A-0099", "退休者")
    Cadre.objects.filter(pk=retired.pk).update(active=False)
    round_open(actor=personas.alice, round=draft_round)
    subjects = set(
        IdentifiedRating.objects.filter(round=draft_round, relation=Relation.SELF).values_list(
            "subject__name", flat=True
        )
    )
    # District A's active cadres; not the retired one, not bella of district B.
    assert subjects == {"李强", "陈刚", "刘芳"}


def test_colleagues_of_a_small_unit_rate_every_other_but_never_themselves(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    eve = make_cadre(org.section_1, "A-0004", "赵娥")
    opened = round_open(actor=personas.alice, round=draft_round)
    carl, dora = personas.carl_cadre.pk, personas.dora_cadre.pk
    assert ballots_by_recipient(opened.tokens) == {carl: {dora, eve.pk}, dora: {carl, eve.pk}, eve.pk: {carl, dora}}
    # The bureau's only cadre (leo) has no colleague: no ballot is printed for him.
    assert all(t.unit_id == org.section_1.pk for t in opened.tokens)
    assert BallotToken.objects.filter(round=draft_round).count() == 3


def test_a_declared_conflict_keeps_two_colleagues_off_each_others_ballots(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    eve = make_cadre(org.section_1, "A-0004", "赵娥")
    conflict_declare(
        actor=personas.alice, cadre_a=eve, cadre_b=personas.carl_cadre, kind=ConflictKind.RELATIVE, round=draft_round
    )
    opened = round_open(actor=personas.alice, round=draft_round)
    carl, dora = personas.carl_cadre.pk, personas.dora_cadre.pk
    assert ballots_by_recipient(opened.tokens) == {carl: {dora}, dora: {carl, eve.pk}, eve.pk: {dora}}


def test_a_standing_conflict_applies_to_every_later_round(org: Org, personas: Personas) -> None:
    conflict_declare(
        actor=personas.alice, cadre_a=personas.carl_cadre, cadre_b=personas.dora_cadre, kind=ConflictKind.SPOUSE
    )
    later = create_round(personas.alice, org.district_a)
    opened = round_open(actor=personas.alice, round=later)
    assert opened.tokens == []


def test_only_an_org_admin_over_both_cadres_declares_a_conflict(personas: Personas) -> None:
    with pytest.raises(PermissionDenied, match="over both cadres' units"), translation.override("en"):
        conflict_declare(
            actor=personas.oscar, cadre_a=personas.carl_cadre, cadre_b=personas.dora_cadre, kind=ConflictKind.OTHER
        )
    with pytest.raises(PermissionDenied):
        conflict_declare(
            actor=personas.alice, cadre_a=personas.carl_cadre, cadre_b=personas.bella_cadre, kind=ConflictKind.OTHER
        )


def leader_pairs(round: EvaluationRound) -> set[tuple[str, str]]:
    return set(
        IdentifiedRating.objects.filter(round=round, relation=Relation.LEADER).values_list(
            "rater__username", "subject__name"
        )
    )


def test_a_leader_rates_every_cadre_of_the_units_they_lead_but_not_themself(
    draft_round: EvaluationRound, personas: Personas
) -> None:
    round_open(actor=personas.alice, round=draft_round)
    # leo leads the bureau (its subtree holds sections 1 and 2); he is also the bureau's cadre 李强.
    assert leader_pairs(draft_round) == {("leo", "陈刚"), ("leo", "刘芳")}


def test_a_leader_over_the_whole_scope_rates_everyone_in_it(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    mayor = make_user("mayor")
    role_grant(actor=None, user=mayor, role=Role.LEADER, unit=org.city)
    round_open(actor=personas.alice, round=draft_round)
    assert {name for user, name in leader_pairs(draft_round) if user == "mayor"} == {"李强", "陈刚", "刘芳"}


def test_a_leader_in_conflict_with_a_cadre_does_not_rate_them(draft_round: EvaluationRound, personas: Personas) -> None:
    leo_cadre = Cadre.objects.get(user=personas.leo)
    conflict_declare(actor=personas.alice, cadre_a=leo_cadre, cadre_b=personas.dora_cadre, kind=ConflictKind.RELATIVE)
    round_open(actor=personas.alice, round=draft_round)
    assert leader_pairs(draft_round) == {("leo", "陈刚")}


def test_in_unit_subtree_mode_a_bureau_and_its_sections_are_one_peer_group(org: Org, personas: Personas) -> None:
    round = create_round(
        personas.alice, org.district_a, options=RoundOptions(peer_group_mode=PeerGroupMode.UNIT_SUBTREE)
    )
    opened = round_open(actor=personas.alice, round=round)
    leo = Cadre.objects.get(user=personas.leo).pk
    carl, dora = personas.carl_cadre.pk, personas.dora_cadre.pk
    # leo leads carl and dora: he rates them once, signed, so he gets no peer ballot; they rate him as a peer.
    assert ballots_by_recipient(opened.tokens) == {carl: {leo, dora}, dora: {leo, carl}}


def test_a_leader_who_is_a_colleague_rates_the_cadres_they_lead_only_as_leader(org: Org, personas: Personas) -> None:
    leo = Cadre.objects.get(user=personas.leo)
    deputy = make_cadre(org.bureau, "A-0010", "王副局")
    round = create_round(personas.alice, org.district_a)
    opened = round_open(actor=personas.alice, round=round)
    # Same-unit groups: the bureau is leo and his deputy. leo leads the bureau, so the deputy is on his
    # leader list and not on a peer ballot of his; the deputy still rates leo anonymously.
    assert ballots_by_recipient(opened.tokens)[deputy.pk] == {leo.pk}
    assert leo.pk not in ballots_by_recipient(opened.tokens)
    assert ("leo", "王副局") in leader_pairs(round)


def test_in_explicit_group_mode_only_group_members_rate_each_other(org: Org, personas: Personas) -> None:
    round = create_round(
        personas.alice, org.district_a, options=RoundOptions(peer_group_mode=PeerGroupMode.EXPLICIT_GROUP)
    )
    eve = make_cadre(org.section_2, "A-0004", "赵娥")
    peer_group_create(actor=personas.alice, round=round, name="青年干部", members=[eve, personas.carl_cadre])
    opened = round_open(actor=personas.alice, round=round)
    carl = personas.carl_cadre.pk
    # dora (same section as carl, not in the group) neither rates nor is rated by a peer.
    assert ballots_by_recipient(opened.tokens) == {eve.pk: {carl}, carl: {eve.pk}}
    assert {t.unit_id for t in opened.tokens} == {org.section_1.pk, org.section_2.pk}


def test_an_explicit_group_holds_only_cadres_of_the_scope(org: Org, personas: Personas) -> None:
    round = create_round(personas.alice, org.district_a)
    with pytest.raises(Exception, match="黄蓓"):
        peer_group_create(actor=personas.alice, round=round, name="混合", members=[personas.bella_cadre])


def test_in_a_40_cadre_unit_every_cadre_receives_at_least_8_sheets_on_shorter_ballots(
    org: Org, draft_round: EvaluationRound, personas: Personas
) -> None:
    crowd = populate(org.section_2, 40, "S2")
    conflict_declare(actor=personas.alice, cadre_a=crowd[0], cadre_b=crowd[1], kind=ConflictKind.RELATIVE)
    opened = round_open(actor=personas.alice, round=draft_round)
    ballots = {r: s for r, s in ballots_by_recipient(opened.tokens).items() if r in {c.pk for c in crowd}}
    assert len(ballots) == 40
    received = sheets_received([t for t in opened.tokens if t.unit_id == org.section_2.pk])
    assert set(received) == {c.pk for c in crowd}
    assert min(received.values()) >= 8
    for rater, subjects in ballots.items():
        assert rater not in subjects
        assert 6 <= len(subjects) <= 10  # about min_peer_sheets each, not all 39
    assert crowd[1].pk not in ballots[crowd[0].pk]
    assert crowd[0].pk not in ballots[crowd[1].pk]


def test_the_draw_is_the_same_every_time_for_one_round_and_differs_between_rounds() -> None:
    members = list(range(1, 41))
    conflicts = {frozenset((1, 2)), frozenset((3, 4))}

    def draw(seed: int) -> dict[int, list[int]]:
        return draw_peer_ballots(
            members, conflicts=conflicts, small_unit_size=15, min_peer_sheets=8, rng=random.Random(seed)
        )

    assert draw(sampling_seed(7)) == draw(sampling_seed(7))
    assert draw(sampling_seed(7)) != draw(sampling_seed(8))


@pytest.mark.parametrize("size", [16, 25, 40, 97])
@pytest.mark.parametrize("minimum", [3, 8, 12])
def test_every_member_of_a_large_group_gets_the_minimum_of_sheets(size: int, minimum: int) -> None:
    members = list(range(size))
    conflicts = {frozenset((i, i + 1)) for i in range(0, size - 1, 5)}
    drawn = draw_peer_ballots(
        members, conflicts=conflicts, small_unit_size=15, min_peer_sheets=minimum, rng=random.Random(size)
    )
    received = Counter(s for subjects in drawn.values() for s in subjects)
    assert all(received[m] == minimum for m in members)
    assert all(r not in subjects for r, subjects in drawn.items())
    assert all(frozenset((r, s)) not in conflicts for r, subjects in drawn.items() for s in subjects)
    lengths = [len(subjects) for subjects in drawn.values()]
    assert max(lengths) - min(lengths) <= 2


def test_a_cadre_with_fewer_eligible_colleagues_than_the_minimum_gets_them_all() -> None:
    members = list(range(20))
    conflicts = {frozenset((0, other)) for other in range(1, 15)}  # only 5 colleagues may rate cadre 0
    drawn = draw_peer_ballots(members, conflicts=conflicts, small_unit_size=15, min_peer_sheets=8, rng=random.Random(1))
    assert sorted(r for r, subjects in drawn.items() if 0 in subjects) == [15, 16, 17, 18, 19]


def count_queries(callable_: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_opening_takes_the_same_number_of_queries_for_3_or_60_cadres(org: Org, personas: Personas) -> None:
    small = create_round(personas.alice, org.district_a, title="small")
    small_queries = count_queries(lambda: round_open(actor=personas.alice, round=small))
    populate(org.section_2, 57, "S2")
    large = create_round(personas.alice, org.district_a, title="large")
    large_queries = count_queries(lambda: round_open(actor=personas.alice, round=large))
    assert large_queries == small_queries
    assert IdentifiedRating.objects.filter(round=large, relation=Relation.SELF).count() == 60
