"""How a round is scored: the spec of `evaluations.scoring`, read top to bottom.

Scores measure how often a cadre shows a lying-flat manifestation (0 never … 4 always): higher is worse.
The cadres of one small section are the personas: Alice, Bob, Charlie, Diana and Ethan.

`peer_inputs_from_sheets` below is the slow, row-by-row statement of what the SQL aggregates must be. It is
the oracle the hand-worked example and the properties check the aggregate formulas against; the production
path computes the same numbers with GROUP BY and never loops over sheets.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from fractions import Fraction
from statistics import fmean
from typing import TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluations.scoring import (
    DECISIVE_FLAGS,
    SEVERITY_MIN_SUBJECTS,
    STRAIGHT_LINE_MIN_SUBJECTS,
    Flag,
    FlagCode,
    InvalidAggregate,
    InvalidRules,
    Note,
    NoteCode,
    PeerScore,
    Relation,
    RelationAggregate,
    RelationScore,
    RoundRules,
    SubjectInput,
    SubjectResult,
    Withheld,
    distribution,
    round_summary,
    score_round,
    score_subject,
)

ALICE, BOB, CHARLIE, DIANA, ETHAN = 1, 2, 3, 4, 5


def sheets(count: int, mean: float, unfavourable: int = 0, **per_manifestation: float) -> RelationAggregate:
    return RelationAggregate(count, mean, unfavourable, per_manifestation)


def note_codes(result: SubjectResult) -> set[NoteCode]:
    return {note.code for note in result.notes}


def flag(result: SubjectResult, code: FlagCode) -> Flag:
    (found,) = [f for f in result.flags if f.code is code]
    return found


def sentences(result: SubjectResult) -> list[str]:
    items: list[Flag | Note] = [*result.flags, *result.notes]
    return [text for item in items for text in (item.zh, item.en)]


def every_text(result: SubjectResult) -> str:
    return " ".join(sentences(result))


def peer(result: SubjectResult) -> PeerScore:
    assert isinstance(result.peer_score, PeerScore)
    return result.peer_score


# --- The oracle: what the SQL aggregates are, computed over rows -------------------------------------------


@dataclasses.dataclass(frozen=True)
class PeerSheet:
    ballot: str
    subject: int
    scores: tuple[int, ...]
    unfavourable: bool = False

    @property
    def score(self) -> float:
        return fmean(self.scores)


def sheets_by_subject(rows: Iterable[PeerSheet]) -> dict[int, list[PeerSheet]]:
    grouped: dict[int, list[PeerSheet]] = defaultdict(list)
    for row in rows:
        grouped[row.subject].append(row)
    return grouped


def reference_means(rows: list[PeerSheet], k: int) -> dict[int, float]:
    """m(s) for the subjects whose peer group reaches k: the only ones an offset is measured against."""
    return {s: fmean(r.score for r in rated) for s, rated in sheets_by_subject(rows).items() if len(rated) >= k}


def ballot_offsets(rows: list[PeerSheet], k: int) -> dict[str, float]:
    """o(b) for the ballots with at least 3 reference subjects; the others are not adjusted."""
    means = reference_means(rows, k)
    offsets = {}
    for ballot in {r.ballot for r in rows}:
        counted = [r for r in rows if r.ballot == ballot and r.subject in means]
        if len(counted) >= SEVERITY_MIN_SUBJECTS:
            offsets[ballot] = fmean(r.score - means[r.subject] for r in counted)
    return offsets


def straight_lined_ballots(rows: list[PeerSheet]) -> set[str]:
    straight = set()
    for ballot in {r.ballot for r in rows}:
        rated = [r for r in rows if r.ballot == ballot]
        one_score = len({score for r in rated for score in r.scores}) == 1
        if one_score and len(rated) >= STRAIGHT_LINE_MIN_SUBJECTS:
            straight.add(ballot)
    return straight


def peer_inputs_from_sheets(rows: list[PeerSheet], k: int) -> dict[int, SubjectInput]:
    offsets, straight = ballot_offsets(rows, k), straight_lined_ballots(rows)
    return {
        subject: SubjectInput(
            subject,
            peer_ratings=RelationAggregate(
                len(rated),
                fmean(r.score for r in rated),
                sum(r.unfavourable for r in rated),
                {f"M{i + 1}": fmean(r.scores[i] for r in rated) for i in range(len(rated[0].scores))},
            ),
            peer_offset_sum=sum(offsets.get(r.ballot, 0.0) for r in rated),
            peer_offset_sheets=sum(r.ballot in offsets for r in rated),
            straight_lined_sheets=sum(r.ballot in straight for r in rated),
        )
        for subject, rated in sheets_by_subject(rows).items()
    }


def adjusted_by_rows(rows: list[PeerSheet], k: int) -> dict[int, float]:
    """Each sheet moved by its own ballot's offset, then averaged: the definition, not the shortcut."""
    offsets = ballot_offsets(rows, k)
    return {
        subject: fmean(r.score - offsets.get(r.ballot, 0.0) for r in rated)
        for subject, rated in sheets_by_subject(rows).items()
        if len(rated) >= k
    }


# --- Rules -------------------------------------------------------------------------------------------------


def test_default_rules_weigh_self_20_peer_40_leader_40_with_k_3() -> None:
    rules = RoundRules()

    assert [rules.weight(r) for r in Relation] == [20, 40, 40]
    assert rules.k == 3
    assert rules.composite_threshold == 2.0
    assert rules.unfavourable_share == Fraction(1, 3)
    assert rules.gap_threshold == 1.5


def test_weights_that_do_not_sum_to_100_are_rejected_with_the_sum_in_the_message() -> None:
    with pytest.raises(InvalidRules, match=r"sum to 100; got self 20 \+ peer 40 \+ leader 30 = 90"):
        RoundRules(weight_leader=30)


@pytest.mark.parametrize("weights", [(-10, 60, 50), (20.5, 39.5, 40)])
def test_weights_must_be_whole_non_negative_percentages(weights: tuple[int, int, int]) -> None:
    with pytest.raises(InvalidRules, match="whole non-negative"):
        RoundRules(weight_self=weights[0], weight_peer=weights[1], weight_leader=weights[2])


@pytest.mark.parametrize("k", [1, 0, -3])
def test_an_anonymity_threshold_below_2_is_rejected(k: int) -> None:
    with pytest.raises(InvalidRules, match="at least 2"):
        RoundRules(k=k)


@pytest.mark.parametrize(
    "changes",
    [
        {"composite_threshold": 0.0},
        {"composite_threshold": 4.5},
        {"gap_threshold": -1.5},
        {"unfavourable_share": Fraction(0)},
        {"unfavourable_share": Fraction(4, 3)},
        {"unfavourable_share": 0.33},
    ],
)
def test_thresholds_outside_their_range_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidRules):
        RoundRules(**changes)  # type: ignore[arg-type]


# --- Inputs are checked, because a wrong join shows up here first ------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RelationAggregate(3, None), "Mean must be given exactly when there are sheets"),
        (lambda: RelationAggregate(0, 1.0), "Mean must be given exactly when there are sheets"),
        (lambda: RelationAggregate(3, 4.2), "within \\[0, 4\\]"),
        (lambda: RelationAggregate(3, 2.0, 4), "Unfavourable sheets"),
        (lambda: RelationAggregate(-1, None), "sheet count"),
        (lambda: RelationAggregate(2, 2.0, 0, {"M1": -0.5}), "M1"),
        (lambda: RelationAggregate(0, None, 0, {"M1": 1.0}), "without sheets"),
        (lambda: SubjectInput(ALICE, self_rating=sheets(2, 1.0)), "self sheets"),
        (lambda: SubjectInput(ALICE, peer_ratings=sheets(3, 1.0), peer_offset_sheets=4), "adjusted peer sheets"),
        (lambda: SubjectInput(ALICE, peer_ratings=sheets(3, 1.0), straight_lined_sheets=4), "straight-lined"),
        (lambda: SubjectInput(ALICE, peer_ratings=sheets(3, 1.0), peer_offset_sum=0.5), "out of range"),
        (
            lambda: SubjectInput(ALICE, peer_ratings=sheets(3, 1.0), peer_offset_sum=9.0, peer_offset_sheets=2),
            "out of range",
        ),
    ],
)
def test_an_inconsistent_aggregate_is_rejected_with_a_clear_message(make: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidAggregate, match=message):
        make()


def test_an_aggregate_keeps_its_own_copy_of_the_manifestation_means() -> None:
    means = {"M1": 1.0}
    aggregate = RelationAggregate(3, 1.0, 0, means)
    means["M1"] = 4.0

    assert aggregate.per_manifestation == {"M1": 1.0}


# --- The composite index and renormalisation ---------------------------------------------------------------


def test_the_composite_is_the_weighted_mean_of_self_adjusted_peer_and_leader() -> None:
    # Peer raw 2.75, offsets sum 1.5 over 6 sheets -> adjusted 2.75 - 0.25 = 2.50.
    # (20 × 1.00 + 40 × 2.50 + 40 × 3.00) / 100 = (20 + 100 + 120) / 100 = 2.40.
    alice = SubjectInput(
        ALICE,
        self_rating=sheets(1, 1.0),
        peer_ratings=sheets(6, 2.75),
        leader_ratings=sheets(2, 3.0),
        peer_offset_sum=1.5,
        peer_offset_sheets=5,
    )

    result = score_subject(alice)

    assert peer(result).raw_mean == 2.75
    assert peer(result).adjusted_mean == 2.5
    assert result.composite == 2.4
    assert result.weights_used == {
        Relation.SELF: Fraction(1, 5),
        Relation.PEER: Fraction(2, 5),
        Relation.LEADER: Fraction(2, 5),
    }
    assert not note_codes(result) & {NoteCode.WEIGHTS_RENORMALISED, NoteCode.PEER_WITHHELD}


def test_the_composite_uses_the_adjusted_peer_mean_not_the_raw_one() -> None:
    # Raw 3.00 would give 3.00; a severe peer group (offsets +2 per sheet) adjusts to 1.00.
    bob = SubjectInput(BOB, peer_ratings=sheets(4, 3.0), peer_offset_sum=8.0, peer_offset_sheets=4)

    result = score_subject(bob, RoundRules(weight_self=0, weight_peer=100, weight_leader=0))

    assert (peer(result).raw_mean, peer(result).adjusted_mean) == (3.0, 1.0)
    assert result.composite == 1.0
    assert not result.is_candidate


def test_without_a_self_sheet_peer_and_leader_are_renormalised_to_half_each() -> None:
    # (40 × 2.00 + 40 × 3.00) / 80 = 2.50.
    charlie = SubjectInput(CHARLIE, peer_ratings=sheets(5, 2.0), leader_ratings=sheets(1, 3.0))

    result = score_subject(charlie)

    assert result.composite == 2.5
    assert result.weights_used == {Relation.PEER: Fraction(1, 2), Relation.LEADER: Fraction(1, 2)}
    (note,) = [n for n in result.notes if n.code is NoteCode.WEIGHTS_RENORMALISED]
    assert "自评（无自评）" in note.zh
    assert "self (no self-evaluation)" in note.en
    assert "50%" in note.zh
    assert "peer (adjusted) 40 → 50%" in note.en
    assert result.gap is None


def test_without_leader_sheets_self_and_peer_are_renormalised_and_2_00_is_at_the_threshold() -> None:
    # (20 × 1.00 + 40 × 2.50) / 60 = 120 / 60 = 2.00, which is at the threshold.
    diana = SubjectInput(DIANA, self_rating=sheets(1, 1.0), peer_ratings=sheets(3, 2.5))

    result = score_subject(diana)

    assert result.composite == 2.0
    assert result.weights_used == {Relation.SELF: Fraction(1, 3), Relation.PEER: Fraction(2, 3)}
    assert "领导评价（无领导评价）" in every_text(result)
    assert "leader (no leader sheets)" in every_text(result)
    assert FlagCode.COMPOSITE in result.flag_codes
    assert result.unfavourable is not None
    assert (result.unfavourable.unfavourable, result.unfavourable.sheets) == (0, 3)


def test_a_missing_relation_with_no_weight_is_not_reported_as_renormalised() -> None:
    ethan = SubjectInput(ETHAN, peer_ratings=sheets(4, 1.0), leader_ratings=sheets(1, 2.0))

    result = score_subject(ethan, RoundRules(weight_self=0, weight_peer=50, weight_leader=50))

    assert result.composite == 1.5
    assert NoteCode.WEIGHTS_RENORMALISED not in note_codes(result)


def test_with_only_a_self_sheet_the_composite_is_the_self_mean_and_says_so() -> None:
    result = score_subject(SubjectInput(ALICE, self_rating=sheets(1, 0.8)))

    assert result.composite == 0.8
    assert result.weights_used == {Relation.SELF: Fraction(1)}
    assert "peer (insufficient ratings), leader (no leader sheets)" in every_text(result)
    assert result.others_mean is None
    assert result.gap is None


def test_a_cadre_nobody_rated_has_no_composite_no_flags_and_a_note_saying_so() -> None:
    result = score_subject(SubjectInput(ALICE))

    assert result.composite is None
    assert result.weights_used == {}
    assert result.self_score is None
    assert result.leader_score is None
    assert isinstance(result.peer_score, Withheld)
    assert result.unfavourable is None
    assert result.gap is None
    assert result.flags == ()
    assert note_codes(result) == {NoteCode.PEER_WITHHELD, NoteCode.NO_COMPOSITE}
    assert not result.is_candidate


def test_a_composite_that_shows_as_2_00_is_flagged_and_one_that_shows_as_1_99_is_not() -> None:
    leader_only = RoundRules(weight_self=0, weight_peer=0, weight_leader=100)

    shown_200 = score_subject(SubjectInput(ALICE, leader_ratings=sheets(3, 1.995)), leader_only)
    shown_199 = score_subject(SubjectInput(BOB, leader_ratings=sheets(3, 1.994)), leader_only)

    assert (shown_200.composite, shown_200.is_candidate) == (2.0, True)
    assert (shown_199.composite, shown_199.is_candidate) == (1.99, False)


@pytest.mark.parametrize(("mean", "shown"), [(2.125, 2.13), (2.675, 2.68), (2.0049, 2.0), (1.0 / 3, 0.33)])
def test_figures_are_rounded_half_up_to_two_decimals_as_by_hand(mean: float, shown: float) -> None:
    result = score_subject(SubjectInput(ALICE, leader_ratings=sheets(2, mean)))

    assert result.leader_score is not None
    assert result.leader_score.mean == shown


def test_the_composite_flag_reads_the_figures_that_raised_it() -> None:
    alice = SubjectInput(ALICE, self_rating=sheets(1, 1.0), peer_ratings=sheets(6, 2.5), leader_ratings=sheets(2, 3.0))

    composite = flag(score_subject(alice), FlagCode.COMPOSITE)

    assert composite.decisive
    assert composite.zh == "综合指数 2.40，达到阈值 2.00（自评 1.00、同事评价（校正后） 2.50、领导评价 3.00）。"
    assert composite.en == (
        "Composite index 2.40 is at or above the threshold 2.00 (self 1.00, peer (adjusted) 2.50, leader 3.00)."
    )


# --- Severity adjustment -----------------------------------------------------------------------------------


WORKED_EXAMPLE = [
    # ballot, subject, sheet score (one manifestation, so the sheet score is that score)
    PeerSheet("b1", ALICE, (3,)),
    PeerSheet("b1", BOB, (4,)),
    PeerSheet("b1", CHARLIE, (2,)),
    PeerSheet("b2", ALICE, (1,)),
    PeerSheet("b2", BOB, (2,)),
    PeerSheet("b2", CHARLIE, (1,)),
    PeerSheet("b3", ALICE, (2,)),
    PeerSheet("b3", BOB, (3,)),
    PeerSheet("b3", DIANA, (2,)),
    PeerSheet("b4", ALICE, (2,)),
    PeerSheet("b4", CHARLIE, (0,)),
]


def test_the_severity_adjustment_matches_a_hand_computation() -> None:
    # Raw peer means (k = 3):
    #   Alice   (3 + 1 + 2 + 2) / 4 = 2.00      Bob   (4 + 2 + 3) / 3 = 3.00
    #   Charlie (2 + 1 + 0) / 3     = 1.00      Diana 2 / 1: below k, withheld, and no reference for offsets
    # Subjects each ballot rated that reach k:
    #   b1 {A, B, C}: 3 -> adjusted   b2 {A, B, C}: 3 -> adjusted
    #   b3 {A, B} (Diana does not count): 2 -> unadjusted   b4 {A, C}: 2 -> unadjusted
    # Offsets:
    #   b1 = ((3 - 2) + (4 - 3) + (2 - 1)) / 3 = 1          (severe)
    #   b2 = ((1 - 2) + (2 - 3) + (1 - 1)) / 3 = -2/3       (lenient)
    # Alice:   offset sum 1 - 2/3 = 1/3 over 2 ballots; adjusted 2 - (1/3) / 4 = 23/12 = 1.9166… -> 1.92
    #          check, sheet by sheet: (3 - 1) + (1 + 2/3) + 2 + 2 = 23/3, / 4 = 23/12.
    # Bob:     offset sum 1/3; adjusted 3 - (1/3) / 3 = 26/9 = 2.888… -> 2.89
    # Charlie: offset sum 1/3; adjusted 1 - (1/3) / 3 = 8/9  = 0.888… -> 0.89
    inputs = peer_inputs_from_sheets(WORKED_EXAMPLE, k=3)

    assert inputs[ALICE].peer_offset_sum == pytest.approx(1 / 3)
    assert inputs[ALICE].peer_offset_sheets == 2
    assert inputs[BOB].peer_offset_sheets == 2
    assert inputs[DIANA].peer_offset_sheets == 0
    results = {subject: score_subject(i) for subject, i in inputs.items()}
    assert (peer(results[ALICE]).raw_mean, peer(results[ALICE]).adjusted_mean) == (2.0, 1.92)
    assert (peer(results[BOB]).raw_mean, peer(results[BOB]).adjusted_mean) == (3.0, 2.89)
    assert (peer(results[CHARLIE]).raw_mean, peer(results[CHARLIE]).adjusted_mean) == (1.0, 0.89)
    assert isinstance(results[DIANA].peer_score, Withheld)
    assert adjusted_by_rows(WORKED_EXAMPLE, k=3) == pytest.approx({ALICE: 23 / 12, BOB: 26 / 9, CHARLIE: 8 / 9})


def test_an_adjusted_mean_beyond_the_scale_is_held_at_4() -> None:
    # Three lenient ballots (offset -1 each) all gave 4: 4 - (-3) / 3 = 5, shown as 4.00.
    alice = SubjectInput(ALICE, peer_ratings=sheets(3, 4.0), peer_offset_sum=-3.0, peer_offset_sheets=3)

    assert peer(score_subject(alice)).adjusted_mean == 4.0


def test_the_severity_adjustment_turns_a_straight_lined_ballot_into_a_neutral_vote() -> None:
    # "s" gives 4 everywhere over five colleagues. Its offset is the mean of (4 - m), so every one of its
    # sheets, once adjusted, is 4 - offset = the mean of m over what it rated: the same for everybody, a
    # vote that tells no colleague from another. Which is why it is flagged but not dropped.
    colleagues = (ALICE, BOB, CHARLIE, DIANA, ETHAN)
    varied = {"p": (0, 1, 2, 3, 4), "q": (1, 1, 2, 2, 3), "r": (0, 0, 1, 3, 2)}
    rows = [PeerSheet(b, c, (v, v)) for b, row in varied.items() for c, v in zip(colleagues, row, strict=True)]
    rows += [PeerSheet("s", c, (4, 4)) for c in colleagues]

    means = reference_means(rows, k=3)
    adjusted_s_sheets = {round(r.score - ballot_offsets(rows, k=3)["s"], 9) for r in rows if r.ballot == "s"}

    assert adjusted_s_sheets == {round(fmean(means.values()), 9)}
    assert straight_lined_ballots(rows) == {"s"}
    for subject_input in peer_inputs_from_sheets(rows, k=3).values():
        result = score_subject(subject_input)
        assert (peer(result).sheets, peer(result).straight_lined_sheets) == (4, 1)


# --- Straight-lining ---------------------------------------------------------------------------------------


def test_straight_lined_sheets_are_reported_in_a_note_and_still_counted() -> None:
    with_straight = SubjectInput(BOB, peer_ratings=sheets(8, 1.5), straight_lined_sheets=2)
    without = dataclasses.replace(with_straight, straight_lined_sheets=0)

    result = score_subject(with_straight)

    assert peer(result).sheets == 8
    assert peer(result).straight_lined_sheets == 2
    (note,) = [n for n in result.notes if n.code is NoteCode.STRAIGHT_LINED_SHEETS]
    assert "2 份" in note.zh
    assert ": 2;" in note.en
    assert result.composite == score_subject(without).composite
    assert NoteCode.STRAIGHT_LINED_SHEETS not in note_codes(score_subject(without))


def test_a_ballot_is_straight_lined_only_over_at_least_five_subjects() -> None:
    four = [PeerSheet("s", s, (2, 2)) for s in (ALICE, BOB, CHARLIE, DIANA)]
    five = [*four, PeerSheet("s", ETHAN, (2, 2))]

    assert peer_inputs_from_sheets(four, k=2)[ALICE].straight_lined_sheets == 0
    assert peer_inputs_from_sheets(five, k=2)[ALICE].straight_lined_sheets == 1


def test_when_everyone_gives_everyone_the_same_scores_nothing_divides_by_zero_and_only_straight_lining_shows() -> None:
    # A unit of six where every colleague gives every other 1 on every manifestation: each ballot rates five
    # colleagues with one score, so each is straight-lined; all offsets are 0, adjusted = raw.
    people = (1, 2, 3, 4, 5, 6)
    rows = [PeerSheet(f"b{rater}", s, (1, 1, 1)) for rater in people for s in people if s != rater]
    inputs = peer_inputs_from_sheets(rows, k=3)
    complete = [
        dataclasses.replace(i, self_rating=sheets(1, 1.0), leader_ratings=sheets(1, 1.0)) for i in inputs.values()
    ]

    results = score_round(complete)

    for result in results:
        assert (peer(result).raw_mean, peer(result).adjusted_mean) == (1.0, 1.0)
        assert result.composite == 1.0
        assert result.gap == 0.0
        assert result.flags == ()
        assert note_codes(result) == {NoteCode.STRAIGHT_LINED_SHEETS}
    assert round_summary(results, straight_lined_ballots=6).candidates == 0


def test_when_everyone_rates_everyone_4_the_flags_are_real_not_spurious() -> None:
    alice = SubjectInput(
        ALICE,
        self_rating=sheets(1, 4.0, 1),
        peer_ratings=sheets(5, 4.0, 5),
        leader_ratings=sheets(1, 4.0, 1),
    )

    result = score_subject(alice)

    assert result.flag_codes == {FlagCode.COMPOSITE, FlagCode.UNFAVOURABLE_SHARE}
    assert result.gap == 0.0


# --- The anonymity threshold k -----------------------------------------------------------------------------


def test_a_peer_group_below_k_is_withheld_and_carries_no_number() -> None:
    bob = SubjectInput(
        BOB,
        self_rating=sheets(1, 0.5),
        peer_ratings=sheets(2, 3.17, 2, M1=3.5),
        leader_ratings=sheets(1, 1.25),
        peer_offset_sum=0.4,
        peer_offset_sheets=2,
        straight_lined_sheets=1,
    )

    result = score_subject(bob)

    assert isinstance(result.peer_score, Withheld)
    assert result.peer_score == Withheld(k=3)
    assert [f.name for f in dataclasses.fields(Withheld)] == ["k"]
    assert (result.peer_score.zh, result.peer_score.en) == ("评价人数不足", "insufficient ratings")
    assert Relation.PEER not in result.weights_used
    assert "3.17" not in every_text(result)
    assert "3.5" not in every_text(result)
    assert NoteCode.STRAIGHT_LINED_SHEETS not in note_codes(result)
    assert {NoteCode.PEER_WITHHELD, NoteCode.WEIGHTS_RENORMALISED, NoteCode.SHARE_LEADER_ONLY} <= note_codes(result)


def test_a_peer_group_of_exactly_k_sheets_is_shown() -> None:
    result = score_subject(SubjectInput(CHARLIE, peer_ratings=sheets(3, 2.25, 1, M1=2.0)))

    assert peer(result).sheets == 3
    assert peer(result).raw_mean == 2.25
    assert peer(result).per_manifestation == {"M1": 2.0}
    assert NoteCode.PEER_WITHHELD not in note_codes(result)


def test_a_round_with_k_5_withholds_a_group_of_4() -> None:
    result = score_subject(SubjectInput(DIANA, peer_ratings=sheets(4, 2.0)), RoundRules(k=5))

    assert result.peer_score == Withheld(k=5)
    assert "不足 5 份" in every_text(result)
    assert "Fewer than 5 peer sheets" in every_text(result)


def test_with_peers_withheld_the_composite_is_self_and_leader_renormalised() -> None:
    # (20 × 1.00 + 40 × 3.00) / 60 = 140 / 60 = 2.333… -> 2.33.
    alice = SubjectInput(ALICE, self_rating=sheets(1, 1.0), peer_ratings=sheets(2, 0.0), leader_ratings=sheets(2, 3.0))

    result = score_subject(alice)

    assert result.composite == 2.33
    assert result.weights_used == {Relation.SELF: Fraction(1, 3), Relation.LEADER: Fraction(2, 3)}
    (note,) = [n for n in result.notes if n.code is NoteCode.WEIGHTS_RENORMALISED]
    assert (
        note.zh == "综合指数未计入同事评价（评价人数不足），其余权重按比例重新归一：自评 20 → 33%、领导评价 40 → 67%。"
    )
    assert note.en == (
        "The composite leaves out peer (insufficient ratings); the remaining weights are renormalised:"
        " self 20 → 33%, leader 40 → 67%."
    )


def test_with_peers_withheld_the_unfavourable_share_counts_leader_sheets_only_and_says_so() -> None:
    # Two peers, both unfavourable, must not be counted: leader 1 of 2 = 50%, at least one third.
    bob = SubjectInput(BOB, peer_ratings=sheets(2, 3.0, 2), leader_ratings=sheets(2, 2.0, 1))

    result = score_subject(bob)

    assert result.unfavourable is not None
    assert (result.unfavourable.unfavourable, result.unfavourable.sheets) == (1, 2)
    assert result.unfavourable.leader_only
    share = flag(result, FlagCode.UNFAVOURABLE_SHARE)
    assert share.zh == "领导评价中“基本称职”“不称职”占 1/2（50%），达到三分之一（同事评价人数不足，仅按领导评价计算）。"
    assert share.en == (
        "1 of 2 leader sheets (50%) gave 'basically competent' or 'incompetent', at least one third"
        " (too few peer sheets: leader sheets only)."
    )
    assert NoteCode.SHARE_LEADER_ONLY in note_codes(result)


def test_with_peers_withheld_and_no_leader_there_is_no_unfavourable_share() -> None:
    result = score_subject(SubjectInput(CHARLIE, self_rating=sheets(1, 2.0), peer_ratings=sheets(1, 4.0, 1)))

    assert result.unfavourable is None
    assert FlagCode.UNFAVOURABLE_SHARE not in result.flag_codes


def test_a_result_cannot_be_changed_after_the_fact() -> None:
    result = score_subject(SubjectInput(ALICE, peer_ratings=sheets(3, 1.0)))

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.composite = 4.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        peer(result).per_manifestation["M1"] = 4.0  # type: ignore[index]


# --- Unfavourable overall grades ---------------------------------------------------------------------------


def test_4_of_9_unfavourable_peer_and_leader_sheets_are_flagged_with_the_figures_in_both_languages() -> None:
    alice = SubjectInput(ALICE, peer_ratings=sheets(6, 1.0, 3), leader_ratings=sheets(3, 1.0, 1))

    result = score_subject(alice)

    share = flag(result, FlagCode.UNFAVOURABLE_SHARE)
    assert share.zh == "同事与领导评价中“基本称职”“不称职”占 4/9（44%），达到三分之一。"
    assert share.en == (
        "4 of 9 peer and leader sheets (44%) gave 'basically competent' or 'incompetent', at least one third."
    )
    assert share.decisive
    assert result.is_candidate


@pytest.mark.parametrize(("unfavourable", "flagged"), [(3, True), (2, False)])
def test_exactly_one_third_unfavourable_is_flagged_and_less_is_not(unfavourable: int, flagged: bool) -> None:
    bob = SubjectInput(BOB, peer_ratings=sheets(6, 1.0, unfavourable), leader_ratings=sheets(3, 1.0))

    assert (FlagCode.UNFAVOURABLE_SHARE in score_subject(bob).flag_codes) is flagged


def test_a_share_that_is_not_one_third_is_written_as_a_percentage() -> None:
    bob = SubjectInput(BOB, peer_ratings=sheets(10, 1.0, 3))

    result = score_subject(bob, RoundRules(unfavourable_share=Fraction(3, 10)))

    assert flag(result, FlagCode.UNFAVOURABLE_SHARE).en.endswith("at least 30%.")


# --- The gap between self and others -----------------------------------------------------------------------


def test_others_rating_a_cadre_1_5_worse_than_self_is_a_blind_spot_shown_but_not_decisive() -> None:
    # Others (40 × 2.00 + 40 × 2.00) / 80 = 2.00; self 0.50; gap 2.00 - 0.50 = 1.50 (higher is worse).
    # Composite (20 × 0.50 + 80 × 2.00) / 100 = 1.70: below the threshold, so not a candidate.
    alice = SubjectInput(ALICE, self_rating=sheets(1, 0.5), peer_ratings=sheets(4, 2.0), leader_ratings=sheets(1, 2.0))

    result = score_subject(alice)

    assert (result.others_mean, result.gap, result.composite) == (2.0, 1.5, 1.7)
    blind_spot = flag(result, FlagCode.BLIND_SPOT)
    assert not blind_spot.decisive
    assert "他人评价 2.00 比自评 0.50 高 1.50" in blind_spot.zh
    assert "a gap of 1.50, at least 1.50" in blind_spot.en
    assert not result.is_candidate


def test_a_cadre_who_rates_themself_worse_than_others_do_has_no_blind_spot() -> None:
    bob = SubjectInput(BOB, self_rating=sheets(1, 3.5), peer_ratings=sheets(4, 1.0), leader_ratings=sheets(1, 1.0))

    result = score_subject(bob)

    assert result.gap == -2.5
    assert FlagCode.BLIND_SPOT not in result.flag_codes


def test_others_are_peer_and_leader_by_their_round_weights() -> None:
    # Weights peer 60, leader 20: others = (60 × 1.00 + 20 × 3.00) / 80 = 1.50.
    charlie = SubjectInput(
        CHARLIE, self_rating=sheets(1, 0.0), peer_ratings=sheets(3, 1.0), leader_ratings=sheets(1, 3.0)
    )

    result = score_subject(charlie, RoundRules(weight_self=20, weight_peer=60, weight_leader=20))

    assert (result.others_mean, result.gap) == (1.5, 1.5)
    assert FlagCode.BLIND_SPOT in result.flag_codes


def test_with_peers_withheld_others_are_the_leaders() -> None:
    diana = SubjectInput(DIANA, self_rating=sheets(1, 0.0), peer_ratings=sheets(2, 0.0), leader_ratings=sheets(1, 1.0))

    result = score_subject(diana)

    assert (result.others_mean, result.gap) == (1.0, 1.0)


# --- Relapse and "no negative evaluation" ------------------------------------------------------------------


def test_a_relapse_alone_makes_a_candidate() -> None:
    result = score_subject(SubjectInput(ETHAN, self_rating=sheets(1, 0.0), relapse=True))

    relapse = flag(result, FlagCode.RELAPSE)
    assert relapse.decisive
    assert "24" in relapse.zh
    assert "24 months" in relapse.en
    assert result.is_candidate


def test_a_no_negative_evaluation_mark_suppresses_the_relapse_flag_and_says_so() -> None:
    result = score_subject(SubjectInput(ETHAN, relapse=True, no_negative_evaluation=True))

    assert FlagCode.RELAPSE not in result.flag_codes
    assert NoteCode.RELAPSE_EXEMPTED in note_codes(result)
    assert not result.is_candidate


def test_a_no_negative_evaluation_mark_does_not_hide_what_colleagues_and_leaders_say_now() -> None:
    alice = SubjectInput(
        ALICE, peer_ratings=sheets(3, 3.0, 3), leader_ratings=sheets(1, 3.0, 1), no_negative_evaluation=True
    )

    assert score_subject(alice).flag_codes == {FlagCode.COMPOSITE, FlagCode.UNFAVOURABLE_SHARE}


# --- The round ---------------------------------------------------------------------------------------------


def test_scoring_a_round_keeps_the_order_and_refuses_a_cadre_twice() -> None:
    alice, bob = SubjectInput(ALICE), SubjectInput(BOB)

    assert [r.subject_id for r in score_round([bob, alice])] == [BOB, ALICE]
    with pytest.raises(InvalidAggregate, match=r"more than once: \[1\]"):
        score_round([alice, bob, alice])


def test_the_distribution_counts_composites_in_equal_bins_over_0_to_4() -> None:
    leader = RoundRules(weight_self=0, weight_peer=0, weight_leader=100)
    means = [0.0, 0.49, 0.5, 1.99, 2.0, 3.99, 4.0]
    results = [score_subject(SubjectInput(i, leader_ratings=sheets(1, m)), leader) for i, m in enumerate(means)]
    results.append(score_subject(SubjectInput(99)))  # no composite: left out

    bins = distribution(results, bins=8)

    assert [(b.lower, b.upper) for b in bins[:2]] == [(0.0, 0.5), (0.5, 1.0)]
    assert bins[-1].upper == 4.0
    assert [b.count for b in bins] == [2, 1, 0, 1, 1, 0, 0, 2]


def test_a_composite_on_a_bin_edge_falls_in_the_bin_that_starts_there() -> None:
    leader = RoundRules(weight_self=0, weight_peer=0, weight_leader=100)
    results = [score_subject(SubjectInput(1, leader_ratings=sheets(1, 1.2)), leader)]

    assert [b.count for b in distribution(results, bins=10)] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("bins", [0, -1])
def test_a_distribution_needs_at_least_one_bin(bins: int) -> None:
    with pytest.raises(ValueError, match="at least one bin"):
        distribution([], bins=bins)


def test_the_round_summary_counts_candidates_withheld_groups_and_straight_liners() -> None:
    results = score_round(
        [
            SubjectInput(ALICE, peer_ratings=sheets(3, 3.0), straight_lined_sheets=1),
            SubjectInput(BOB, peer_ratings=sheets(2, 3.0)),
            SubjectInput(CHARLIE, relapse=True),
            SubjectInput(DIANA, self_rating=sheets(1, 0.0), leader_ratings=sheets(1, 2.0)),
        ]
    )

    summary = round_summary(results, straight_lined_ballots=1)

    assert summary.subjects == 4
    assert summary.candidates == 2  # Alice (composite 3.00) and Charlie (relapse)
    assert summary.without_composite == 2  # Bob (withheld) and Charlie (nobody rated)
    assert summary.peer_withheld == 3
    assert summary.flag_counts[FlagCode.COMPOSITE] == 1
    assert summary.flag_counts[FlagCode.RELAPSE] == 1
    assert summary.flag_counts[FlagCode.BLIND_SPOT] == 1  # Diana: leader 2.00 against self 0.00
    assert summary.straight_lined_ballots == 1


def test_a_round_summary_refuses_a_negative_straight_liner_count() -> None:
    with pytest.raises(InvalidAggregate):
        round_summary([], straight_lined_ballots=-1)


# --- Properties --------------------------------------------------------------------------------------------

score_values = st.floats(min_value=0.0, max_value=4.0, allow_nan=False)


@st.composite
def aggregates(draw: st.DrawFn, max_sheets: int = 12) -> RelationAggregate:
    count = draw(st.integers(0, max_sheets))
    if count == 0:
        return RelationAggregate()
    manifestations = draw(st.dictionaries(st.sampled_from(["M1", "M2", "M3", "M4", "M5"]), score_values))
    return RelationAggregate(count, draw(score_values), draw(st.integers(0, count)), manifestations)


class PeerFields(TypedDict):
    peer_ratings: RelationAggregate
    peer_offset_sheets: int
    peer_offset_sum: float
    straight_lined_sheets: int


@st.composite
def peer_fields(draw: st.DrawFn, max_sheets: int = 12) -> PeerFields:
    peers = draw(aggregates(max_sheets))
    adjusted = draw(st.integers(0, peers.sheets))
    return PeerFields(
        peer_ratings=peers,
        peer_offset_sheets=adjusted,
        peer_offset_sum=draw(st.floats(-4.0 * adjusted, 4.0 * adjusted, allow_nan=False)),
        straight_lined_sheets=draw(st.integers(0, peers.sheets)),
    )


@st.composite
def subject_inputs(draw: st.DrawFn, max_peer_sheets: int = 12) -> SubjectInput:
    return SubjectInput(
        ALICE,
        self_rating=draw(aggregates(max_sheets=1)),
        leader_ratings=draw(aggregates(max_sheets=5)),
        relapse=draw(st.booleans()),
        no_negative_evaluation=draw(st.booleans()),
        **draw(peer_fields(max_peer_sheets)),
    )


@st.composite
def round_rules(draw: st.DrawFn) -> RoundRules:
    weight_self = draw(st.integers(0, 100))
    weight_peer = draw(st.integers(0, 100 - weight_self))
    return RoundRules(
        weight_self=weight_self,
        weight_peer=weight_peer,
        weight_leader=100 - weight_self - weight_peer,
        k=draw(st.integers(2, 6)),
        composite_threshold=draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])),
        unfavourable_share=draw(st.sampled_from([Fraction(1, 4), Fraction(3, 10), Fraction(1, 3), Fraction(1, 2)])),
        gap_threshold=draw(st.sampled_from([0.5, 1.0, 1.5, 2.0])),
    )


@given(subject=subject_inputs(), rules=round_rules())
def test_every_figure_shown_stays_on_the_0_to_4_scale(subject: SubjectInput, rules: RoundRules) -> None:
    result = score_subject(subject, rules)

    shown = [result.composite, result.others_mean]
    for score in (result.self_score, result.leader_score):
        if isinstance(score, RelationScore):
            shown += [score.mean, *score.per_manifestation.values()]
    if isinstance(result.peer_score, PeerScore):
        shown += [
            result.peer_score.raw_mean,
            result.peer_score.adjusted_mean,
            *result.peer_score.per_manifestation.values(),
        ]
    assert all(0.0 <= value <= 4.0 for value in shown if value is not None)
    assert result.gap is None or -4.0 <= result.gap <= 4.0
    if result.weights_used:
        assert sum(result.weights_used.values()) == 1
    assert all(sentences(result))


@given(data=st.data(), subject=subject_inputs(), rules=round_rules())
def test_a_peer_group_below_k_leaves_no_trace_in_the_result(
    data: st.DataObject, subject: SubjectInput, rules: RoundRules
) -> None:
    # Two cadres alike in everything but their peer sheets, both fewer than k: the results are identical, so
    # nothing in a result can depend on (let alone show) a withheld group.
    one = dataclasses.replace(subject, **data.draw(peer_fields(max_sheets=rules.k - 1)))
    other = dataclasses.replace(subject, **data.draw(peer_fields(max_sheets=rules.k - 1)))

    result = score_subject(one, rules)

    assert isinstance(result.peer_score, Withheld)
    assert result == score_subject(other, rules)
    assert NoteCode.PEER_WITHHELD in note_codes(result)


@given(subject=subject_inputs(), rules=round_rules())
def test_a_cadre_is_a_candidate_exactly_when_a_decisive_rule_fires(subject: SubjectInput, rules: RoundRules) -> None:
    result = score_subject(subject, rules)

    expected = set()
    if result.composite is not None and result.composite >= rules.composite_threshold:
        expected.add(FlagCode.COMPOSITE)
    if result.unfavourable is not None and result.unfavourable.share >= rules.unfavourable_share:
        expected.add(FlagCode.UNFAVOURABLE_SHARE)
    if subject.relapse and not subject.no_negative_evaluation:
        expected.add(FlagCode.RELAPSE)
    assert {f.code for f in result.flags if f.decisive} == expected
    assert expected <= DECISIVE_FLAGS
    assert result.is_candidate == bool(expected)
    assert (FlagCode.BLIND_SPOT in result.flag_codes) == (result.gap is not None and result.gap >= rules.gap_threshold)


peer_rounds = st.lists(
    st.builds(
        PeerSheet,
        ballot=st.sampled_from(["b1", "b2", "b3", "b4", "b5", "b6"]),
        subject=st.integers(1, 7),
        scores=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    ),
    max_size=40,
    unique_by=lambda r: (r.ballot, r.subject),
)


@given(rows=peer_rounds, k=st.integers(2, 4))
def test_the_aggregate_formula_equals_moving_every_sheet_by_its_ballots_offset(rows: list[PeerSheet], k: int) -> None:
    inputs = peer_inputs_from_sheets(rows, k)
    by_rows = adjusted_by_rows(rows, k)

    for subject, subject_input in inputs.items():
        result = score_subject(subject_input, RoundRules(k=k))
        if subject in by_rows:
            expected = min(4.0, max(0.0, by_rows[subject]))
            assert peer(result).adjusted_mean == pytest.approx(expected, abs=0.005 + 1e-9)
        else:
            assert isinstance(result.peer_score, Withheld)
