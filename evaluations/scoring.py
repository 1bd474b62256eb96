"""Scoring of an evaluation round (测评计分): pure Python, no Django.

It turns per-subject AGGREGATES, computed by SQL with a few GROUP BY queries, into per-cadre results:
relation means, a composite index, flags with sentences a person can read (zh, en) and candidacy. It never
sees an individual rating row.

Scale. Each manifestation is scored by observed frequency, 0 never … 4 always: HIGHER IS WORSE. A sheet's
score is the mean of its manifestation scores; a relation's mean is the mean of its sheet scores.
"Unfavourable" sheets are those graded 基本称职 (basic) or 不称职 (incompetent).

Anonymity threshold k. A peer group with fewer than k sheets (zero included) is `Withheld`: the result
holds no number derived from those sheets — no mean (raw or adjusted), no per-manifestation mean, no
unfavourable or straight-lined count, not even the sheet count. Peers then drop out of the composite
(weights renormalised) and the unfavourable share counts leader sheets only; notes say both. Leader sheets
are signed, so they need no threshold: one leader's view is shown as his. The self sheet is the cadre's own.

Severity adjustment (同事评价严厉度校正). The spec removes "each sheet's offset from the round mean over the
subjects it rated, when it rated at least 3 subjects". We read that mean as the round's consensus on exactly
those subjects, not one grand mean: ballots in a large unit carry random samples, and a grand mean would call
a rater severe for having drawn worse colleagues. With x(b,s) ballot b's sheet score on subject s, n(s) the
peer sheets on s and m(s) their raw mean:

    T(b)    = subjects rated by b whose peer group reaches k (n(s) >= k)
    o(b)    = mean over s in T(b) of (x(b,s) - m(s))       if |T(b)| >= 3, else 0 (ballot unadjusted)
    adj(s)  = mean over ballots b that rated s of (x(b,s) - o(b))
            = m(s) - peer_offset_sum(s) / n(s),  clamped to [0, 4]
    peer_offset_sum(s)    = sum of o(b) over the ballots that rated s with |T(b)| >= 3
    peer_offset_sheets(s) = how many such ballots

Withheld subjects stay out of T(b): one or two sheets are a poor reference, and no figure shown may carry
anything from a withheld group. m(s) includes b's own sheet (leave-one-out would need row-level work; the
effect shrinks as 1/n(s)). One pass, not iterated, so it can be explained to a cadre and done in SQL. Raw
and adjusted means are shown side by side; composite and gap use the adjusted one; per-manifestation stay raw.

Straight-lining. A ballot is straight-lined when it rated at least 5 subjects with one and the same score on
every manifestation of every sheet (grades are ignored: many honest raters call everybody 称职). Its sheets
are flagged in a note and counted in the round summary, NOT silently dropped: the adjustment already makes
them neutral, since a constant c minus its offset is the mean of m(s) over T(b).

Composite index = weighted mean of the available relations (self, adjusted peer, leader), the round's weights
renormalised over those present (a note says so). Flags: composite >= threshold; unfavourable sheets >= a
share (one third) of peer + leader sheets; relapse (a case of this cadre closed within the last 24 months);
blind spot (others' mean minus self >= 1.5; others = peer and leader by their round weights), shown, not
decisive alone. A candidate has a decisive flag; the organization department confirms or dismisses each
(组织评定). Means, composite and gap are rounded half-up to 2 decimals and the rounded figures are compared
with the thresholds: what a person reads is what decided.

"No negative evaluation" (不作负面评价). An exempted cadre suffers no negative evaluation for the exempted
matter. The only input here drawn from past matters is relapse, so an active mark suppresses the relapse flag
(a note says so); marks do not name the case they cover, and we err on the cadre's side. It cannot touch the
other flags: they are colleagues' and leaders' present judgement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import ClassVar, Final

SCORE_MIN: Final = 0.0
SCORE_MAX: Final = 4.0
SEVERITY_MIN_SUBJECTS: Final = 3  # a ballot's offset counts only over >= 3 subjects (SQL HAVING)
STRAIGHT_LINE_MIN_SUBJECTS: Final = 5  # a straight-lined ballot rated >= 5 subjects (SQL HAVING)
RELAPSE_WINDOW_MONTHS: Final = 24
_TOLERANCE: Final = 1e-9  # float noise from SQL AVG/SUM


class InvalidRules(ValueError):
    """The round's rules are not usable (weights, threshold k, thresholds)."""


class InvalidAggregate(ValueError):
    """An aggregate is inconsistent: usually a GROUP BY or a join gone wrong upstream."""


class Relation(StrEnum):
    SELF = "self"
    PEER = "peer"
    LEADER = "leader"


_NAMES: Final[Mapping[Relation, tuple[str, str]]] = {
    Relation.SELF: ("自评", "self"),
    Relation.PEER: ("同事评价（校正后）", "peer (adjusted)"),
    Relation.LEADER: ("领导评价", "leader"),
}
_MISSING: Final[Mapping[Relation, tuple[str, str]]] = {
    Relation.SELF: ("自评（无自评）", "self (no self-evaluation)"),
    Relation.PEER: ("同事评价（评价人数不足）", "peer (insufficient ratings)"),
    Relation.LEADER: ("领导评价（无领导评价）", "leader (no leader sheets)"),
}


class FlagCode(StrEnum):
    COMPOSITE = "composite"
    UNFAVOURABLE_SHARE = "unfavourable_share"
    RELAPSE = "relapse"
    BLIND_SPOT = "blind_spot"


DECISIVE_FLAGS: Final = frozenset({FlagCode.COMPOSITE, FlagCode.UNFAVOURABLE_SHARE, FlagCode.RELAPSE})


class NoteCode(StrEnum):
    PEER_WITHHELD = "peer_withheld"
    WEIGHTS_RENORMALISED = "weights_renormalised"
    NO_COMPOSITE = "no_composite"
    SHARE_LEADER_ONLY = "share_leader_only"
    STRAIGHT_LINED_SHEETS = "straight_lined_sheets"
    RELAPSE_EXEMPTED = "relapse_exempted"


@dataclass(frozen=True)
class Flag:
    """Something about the cadre, with the figures that raised it."""

    code: FlagCode
    zh: str
    en: str

    @property
    def decisive(self) -> bool:
        return self.code in DECISIVE_FLAGS


@dataclass(frozen=True)
class Note:
    """Something about how the figures were computed (withheld, renormalised, …)."""

    code: NoteCode
    zh: str
    en: str


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class RoundRules:
    """A round's scoring rules. Weights are whole percentages summing to 100; k is at least 2."""

    weight_self: int = 20
    weight_peer: int = 40
    weight_leader: int = 40
    k: int = 3
    composite_threshold: float = 2.0
    unfavourable_share: Fraction = Fraction(1, 3)
    gap_threshold: float = 1.5

    def __post_init__(self) -> None:
        weights = (self.weight_self, self.weight_peer, self.weight_leader)
        if not all(_is_int(w) and w >= 0 for w in weights):
            raise InvalidRules(f"Weights must be whole non-negative percentages; got {weights}.")
        if sum(weights) != 100:
            raise InvalidRules(
                f"Weights must sum to 100; got self {self.weight_self} + peer {self.weight_peer}"
                f" + leader {self.weight_leader} = {sum(weights)}."
            )
        if not _is_int(self.k) or self.k < 2:
            raise InvalidRules(f"The anonymity threshold k must be a whole number of at least 2; got {self.k}.")
        for name, value in (("composite", self.composite_threshold), ("gap", self.gap_threshold)):
            if not SCORE_MIN < value <= SCORE_MAX:
                raise InvalidRules(f"The {name} threshold must be in (0, 4]; got {value}.")
        if not isinstance(self.unfavourable_share, Fraction) or not 0 < self.unfavourable_share <= 1:
            raise InvalidRules(f"The unfavourable share must be a Fraction in (0, 1]; got {self.unfavourable_share!r}.")
        # Looked up for every cadre: built once (not a field, so equality and repr are unchanged).
        by_relation = {
            Relation.SELF: self.weight_self,
            Relation.PEER: self.weight_peer,
            Relation.LEADER: self.weight_leader,
        }
        object.__setattr__(self, "_weights", MappingProxyType(by_relation))

    def weight(self, relation: Relation) -> int:
        return self._weights[relation]  # type: ignore[attr-defined,no-any-return]


DEFAULT_RULES: Final = RoundRules()


def _check_score(what: str, value: float) -> None:
    if not SCORE_MIN - _TOLERANCE <= value <= SCORE_MAX + _TOLERANCE:
        raise InvalidAggregate(f"{what} must be within [0, 4]; got {value}.")


def _check_count(what: str, value: int, upper: float = math.inf) -> None:
    if not _is_int(value) or not 0 <= value <= upper:
        raise InvalidAggregate(f"{what} must be a whole number within [0, {upper}]; got {value!r}.")


@dataclass(frozen=True)
class RelationAggregate:
    """One relation's sheets on one subject, as SQL aggregates them (see the module docstring).

    `mean` is AVG(sheet score), None exactly when there are no sheets; `unfavourable` counts sheets
    graded basic or incompetent; `per_manifestation` maps a manifestation code to AVG(score).
    """

    sheets: int = 0
    mean: float | None = None
    unfavourable: int = 0
    per_manifestation: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_count("A sheet count", self.sheets)
        if (self.mean is None) != (self.sheets == 0):
            raise InvalidAggregate(
                f"Mean must be given exactly when there are sheets; {self.sheets} sheets, mean {self.mean}."
            )
        if self.mean is not None:
            _check_score("A mean", self.mean)
        _check_count("Unfavourable sheets", self.unfavourable, self.sheets)
        if self.sheets == 0 and self.per_manifestation:
            raise InvalidAggregate("Per-manifestation means without sheets.")
        for code, value in self.per_manifestation.items():
            _check_score(f"The mean for {code}", value)
        # Frozen means frozen: a caller's dict changed later must not change this aggregate.
        object.__setattr__(self, "per_manifestation", MappingProxyType(dict(self.per_manifestation)))


@dataclass(frozen=True)
class SubjectInput:
    """Everything scoring needs about one cadre in one round; each field is one SQL aggregate."""

    subject_id: int
    self_rating: RelationAggregate = field(default_factory=RelationAggregate)
    peer_ratings: RelationAggregate = field(default_factory=RelationAggregate)
    leader_ratings: RelationAggregate = field(default_factory=RelationAggregate)
    peer_offset_sum: float = 0.0
    peer_offset_sheets: int = 0
    straight_lined_sheets: int = 0
    relapse: bool = False
    no_negative_evaluation: bool = False

    def __post_init__(self) -> None:
        peers = self.peer_ratings.sheets
        _check_count(f"Subject {self.subject_id}: self sheets", self.self_rating.sheets, 1)
        _check_count(f"Subject {self.subject_id}: adjusted peer sheets", self.peer_offset_sheets, peers)
        _check_count(f"Subject {self.subject_id}: straight-lined sheets", self.straight_lined_sheets, peers)
        # Each offset is a mean of differences of scores in [0, 4], so it lies in [-4, 4].
        if abs(self.peer_offset_sum) > SCORE_MAX * self.peer_offset_sheets + _TOLERANCE:
            raise InvalidAggregate(f"Subject {self.subject_id}: offset sum {self.peer_offset_sum} is out of range.")


@dataclass(frozen=True)
class Withheld:
    """A peer group below k: "insufficient ratings". It holds the rule k and nothing from the sheets."""

    k: int
    zh: ClassVar[str] = "评价人数不足"
    en: ClassVar[str] = "insufficient ratings"


@dataclass(frozen=True)
class RelationScore:
    """Self or leader figures as shown (identified sheets, no threshold)."""

    sheets: int
    mean: float
    unfavourable: int
    per_manifestation: Mapping[str, float]


@dataclass(frozen=True)
class PeerScore:
    """Peer figures, only ever built for a group of at least k sheets."""

    sheets: int
    raw_mean: float
    adjusted_mean: float
    unfavourable: int
    straight_lined_sheets: int
    per_manifestation: Mapping[str, float]


@dataclass(frozen=True)
class UnfavourableShare:
    """Unfavourable sheets over peer + leader sheets, or over leader sheets only when peers are withheld."""

    unfavourable: int
    sheets: int
    leader_only: bool

    @property
    def share(self) -> Fraction:
        return Fraction(self.unfavourable, self.sheets)


@dataclass(frozen=True)
class SubjectResult:
    """One cadre's figures as they may be shown; a withheld peer group is a `Withheld`, never a number."""

    subject_id: int
    self_score: RelationScore | None
    peer_score: PeerScore | Withheld
    leader_score: RelationScore | None
    composite: float | None
    weights_used: Mapping[Relation, Fraction]
    unfavourable: UnfavourableShare | None
    others_mean: float | None
    gap: float | None
    flags: tuple[Flag, ...]
    notes: tuple[Note, ...]

    @property
    def is_candidate(self) -> bool:
        return any(flag.decisive for flag in self.flags)

    @property
    def flag_codes(self) -> frozenset[FlagCode]:
        return frozenset(flag.code for flag in self.flags)


_CENT: Final = Decimal("0.01")
_RELATIONS: Final = tuple(Relation)  # iterating an Enum class is slow, and this is done for every cadre


def _round2(value: float) -> float:
    # Half-up on the shortest decimal repr: 2.675 shows as 2.68, as a person rounding by hand expects.
    # Zero is returned as it is, so that 0.0 and -0.0 (equal, hence one cache entry) keep their sign.
    return _round2_cached(value) if value else value


@lru_cache(maxsize=1 << 16)
def _round2_cached(value: float) -> float:
    # Means are ratios of small integers, so the same few thousand values recur across a round's cadres.
    return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def _clamp(value: float) -> float:
    return min(SCORE_MAX, max(SCORE_MIN, value))


def _shown(per_manifestation: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({code: _shown_value(v) for code, v in sorted(per_manifestation.items())})


@lru_cache(maxsize=1 << 16)
def _shown_value(value: float) -> float:
    # _clamp turns -0.0 into 0.0, so the one cache entry that 0.0 and -0.0 share is right for both.
    return _round2(_clamp(value))


def _percent(value: Fraction) -> str:
    return f"{float(value):.0%}"


def _share_words(share: Fraction) -> tuple[str, str]:
    return ("三分之一", "one third") if share == Fraction(1, 3) else (_percent(share), _percent(share))


_UNFAVOURABLE_EN: Final = "gave 'basically competent' or 'incompetent'"
_SHARE_SCOPE: Final[Mapping[bool, tuple[tuple[str, str], tuple[str, str]]]] = {
    False: (("同事与领导评价", "peer and leader"), ("", "")),
    True: (
        ("领导评价", "leader"),
        ("（同事评价人数不足，仅按领导评价计算）", " (too few peer sheets: leader sheets only)"),
    ),
}
# Every sentence in one place, so that a reviewer or a translator reads them together.
_TEXTS: Final[Mapping[FlagCode | NoteCode, tuple[str, str]]] = {
    FlagCode.COMPOSITE: (
        "综合指数 {composite:.2f}，达到阈值 {threshold:.2f}（{parts}）。",
        "Composite index {composite:.2f} is at or above the threshold {threshold:.2f} ({parts}).",
    ),
    FlagCode.UNFAVOURABLE_SHARE: (
        "{scope}中“基本称职”“不称职”占 {u}/{n}（{percent}），达到{words}{tail}。",
        "{u} of {n} {scope} sheets ({percent}) " + _UNFAVOURABLE_EN + ", at least {words}{tail}.",
    ),
    FlagCode.RELAPSE: (
        "近 {months} 个月内有本人的整治案件结案（屡教不改）。",
        "A rectification case of this cadre was closed within the last {months} months (relapse, 屡教不改).",
    ),
    FlagCode.BLIND_SPOT: (
        "他人评价 {others:.2f} 比自评 {own:.2f} 高 {gap:.2f}（分值越高表示躺平表现越频繁），达到 {threshold:.2f}："
        "可能存在自我认知盲区，仅供参考，不单独作为认定依据。",
        "Others rate {others:.2f} against a self-rating of {own:.2f} (higher means more frequent lying-flat"
        " behaviour): a gap of {gap:.2f}, at least {threshold:.2f}. A possible blind spot; shown, not"
        " decisive alone.",
    ),
    NoteCode.PEER_WITHHELD: (
        "同事评价不足 {k} 份：评价人数不足，不显示任何同事评价数值。",
        "Fewer than {k} peer sheets: insufficient ratings; no peer figure is shown.",
    ),
    NoteCode.WEIGHTS_RENORMALISED: (
        "综合指数未计入{missing}，其余权重按比例重新归一：{parts}。",
        "The composite leaves out {missing}; the remaining weights are renormalised: {parts}.",
    ),
    NoteCode.NO_COMPOSITE: (
        "没有可计入综合指数的评价，未计算综合指数。",
        "No weighted relation has ratings: no composite index.",
    ),
    NoteCode.SHARE_LEADER_ONLY: (
        "同事评价人数不足，“基本称职”“不称职”占比仅按领导评价计算：领导评价中占 {u}/{n}（{percent}）。",
        "Too few peer sheets: the unfavourable share is computed on leader sheets only:"
        " {u} of {n} leader sheets ({percent}) " + _UNFAVOURABLE_EN + ".",
    ),
    NoteCode.STRAIGHT_LINED_SHEETS: (
        "同事评价中有 {count} 份来自对至少 {min_subjects} 名同事全部打同一分值的评价票："
        "已标记，仍计入，严厉度校正使其趋于中性。",
        "Peer sheets from ballots with one score everywhere over at least {min_subjects} colleagues: {count};"
        " flagged, still counted, and the severity adjustment makes them neutral.",
    ),
    NoteCode.RELAPSE_EXEMPTED: (
        "近 {months} 个月内有本人的整治案件结案，但有“不作负面评价”标记，不作屡教不改标记。",
        "A case of this cadre closed within the last {months} months, but a 'no negative evaluation'"
        " mark applies: no relapse flag.",
    ),
}


def _render(code: FlagCode | NoteCode, figures: Mapping[str, object]) -> tuple[str, str]:
    # A figure given as a (zh, en) pair is words; anything else is the same in both languages.
    zh, en = _TEXTS[code]
    zh_figures = {name: v[0] if isinstance(v, tuple) else v for name, v in figures.items()}
    en_figures = {name: v[1] if isinstance(v, tuple) else v for name, v in figures.items()}
    return zh.format(**zh_figures), en.format(**en_figures)


def _flag(code: FlagCode, **figures: object) -> Flag:
    return Flag(code, *_render(code, figures))


def _note(code: NoteCode, **figures: object) -> Note:
    return Note(code, *_render(code, figures))


def _joined(items: Mapping[Relation, tuple[str, str]]) -> tuple[str, str]:
    ordered = [items[r] for r in _RELATIONS if r in items]
    return "、".join(zh for zh, _ in ordered), ", ".join(en for _, en in ordered)


def _named(relation: Relation, text: str) -> tuple[str, str]:
    return f"{_NAMES[relation][0]} {text}", f"{_NAMES[relation][1]} {text}"


def _relation_score(aggregate: RelationAggregate) -> RelationScore | None:
    if aggregate.mean is None:
        return None
    return RelationScore(
        sheets=aggregate.sheets,
        mean=_round2(_clamp(aggregate.mean)),
        unfavourable=aggregate.unfavourable,
        per_manifestation=_shown(aggregate.per_manifestation),
    )


def _peer_score(subject: SubjectInput, rules: RoundRules) -> PeerScore | Withheld:
    peers = subject.peer_ratings
    if peers.sheets < rules.k or peers.mean is None:
        return Withheld(k=rules.k)
    adjusted = peers.mean - subject.peer_offset_sum / peers.sheets
    return PeerScore(
        sheets=peers.sheets,
        raw_mean=_round2(_clamp(peers.mean)),
        adjusted_mean=_round2(_clamp(adjusted)),
        unfavourable=peers.unfavourable,
        straight_lined_sheets=subject.straight_lined_sheets,
        per_manifestation=_shown(peers.per_manifestation),
    )


def _weighted_mean(
    means: Mapping[Relation, float], rules: RoundRules
) -> tuple[float, Mapping[Relation, Fraction]] | None:
    weighting = _weighting((rules.weight_self, rules.weight_peer, rules.weight_leader), tuple(means))
    if weighting is None:
        return None
    weights, total, shares = weighting
    value = sum(w * means[relation] for relation, w in weights) / total
    return _round2(value), shares


@lru_cache(maxsize=256)
def _weighting(
    round_weights: tuple[int, int, int], present: tuple[Relation, ...]
) -> tuple[tuple[tuple[Relation, int], ...], int, Mapping[Relation, Fraction]] | None:
    """The weights of the relations present (in their order), their total and shares; None when all are 0.

    Depends only on the round's weights (self, peer, leader) and which relations are present, so it is computed
    once per round and pattern (keyed by the weights, not the rules, whose hash is slow); the shares are
    read-only, so one mapping is shared by every cadre with that pattern.
    """
    weight = dict(zip(_RELATIONS, round_weights, strict=True))
    weights = tuple((relation, weight[relation]) for relation in present if weight[relation] > 0)
    total = sum(w for _relation, w in weights)
    if total == 0:
        return None
    return weights, total, MappingProxyType({r: Fraction(w, total) for r, w in weights})


def _unfavourable_share(peer: PeerScore | Withheld, leader: RelationScore | None) -> UnfavourableShare | None:
    leader_sheets = leader.sheets if leader else 0
    leader_unfavourable = leader.unfavourable if leader else 0
    if isinstance(peer, PeerScore):
        return UnfavourableShare(peer.unfavourable + leader_unfavourable, peer.sheets + leader_sheets, False)
    if leader_sheets == 0:
        return None
    return UnfavourableShare(leader_unfavourable, leader_sheets, True)


def score_subject(subject: SubjectInput, rules: RoundRules = DEFAULT_RULES) -> SubjectResult:
    """Score one cadre from its aggregates (built as the module docstring says); raises nothing."""
    flags: list[Flag] = []
    notes: list[Note] = []
    self_score = _relation_score(subject.self_rating)
    peer_score = _peer_score(subject, rules)
    leader_score = _relation_score(subject.leader_ratings)

    means: dict[Relation, float] = {}
    if self_score is not None:
        means[Relation.SELF] = self_score.mean
    if isinstance(peer_score, PeerScore):
        means[Relation.PEER] = peer_score.adjusted_mean
    else:
        notes.append(_note(NoteCode.PEER_WITHHELD, k=rules.k))
    if leader_score is not None:
        means[Relation.LEADER] = leader_score.mean

    composite: float | None = None
    weights_used: Mapping[Relation, Fraction] = MappingProxyType({})
    weighted = _weighted_mean(means, rules)
    if weighted is None:
        notes.append(_note(NoteCode.NO_COMPOSITE))
    else:
        composite, weights_used = weighted
        missing = {r: _MISSING[r] for r in _RELATIONS if rules.weight(r) > 0 and r not in weights_used}
        if missing:
            moves = {r: _named(r, f"{rules.weight(r)} → {_percent(w)}") for r, w in weights_used.items()}
            notes.append(_note(NoteCode.WEIGHTS_RENORMALISED, missing=_joined(missing), parts=_joined(moves)))
        if composite >= rules.composite_threshold:
            parts = _joined({r: _named(r, f"{means[r]:.2f}") for r in weights_used})
            threshold = rules.composite_threshold
            flags.append(_flag(FlagCode.COMPOSITE, composite=composite, threshold=threshold, parts=parts))

    unfavourable = _unfavourable_share(peer_score, leader_score)
    if unfavourable is not None:
        scope, tail = _SHARE_SCOPE[unfavourable.leader_only]
        share = {"u": unfavourable.unfavourable, "n": unfavourable.sheets, "percent": _percent(unfavourable.share)}
        if unfavourable.leader_only:
            notes.append(_note(NoteCode.SHARE_LEADER_ONLY, **share))
        if unfavourable.share >= rules.unfavourable_share:
            words = _share_words(rules.unfavourable_share)
            flags.append(_flag(FlagCode.UNFAVOURABLE_SHARE, words=words, scope=scope, tail=tail, **share))

    if subject.relapse and subject.no_negative_evaluation:
        notes.append(_note(NoteCode.RELAPSE_EXEMPTED, months=RELAPSE_WINDOW_MONTHS))
    elif subject.relapse:
        flags.append(_flag(FlagCode.RELAPSE, months=RELAPSE_WINDOW_MONTHS))

    others = _weighted_mean({r: m for r, m in means.items() if r is not Relation.SELF}, rules)
    others_mean = others[0] if others else None
    gap: float | None = None
    if others_mean is not None and self_score is not None:
        # Higher is worse: a blind spot is others seeing more lying flat than the cadre admits to.
        gap = _round2(others_mean - self_score.mean)
        if gap >= rules.gap_threshold:
            figures = {"others": others_mean, "own": self_score.mean, "gap": gap, "threshold": rules.gap_threshold}
            flags.append(_flag(FlagCode.BLIND_SPOT, **figures))

    if isinstance(peer_score, PeerScore) and peer_score.straight_lined_sheets:
        count, least = peer_score.straight_lined_sheets, STRAIGHT_LINE_MIN_SUBJECTS
        notes.append(_note(NoteCode.STRAIGHT_LINED_SHEETS, count=count, min_subjects=least))

    return SubjectResult(
        subject_id=subject.subject_id,
        self_score=self_score,
        peer_score=peer_score,
        leader_score=leader_score,
        composite=composite,
        weights_used=weights_used,
        unfavourable=unfavourable,
        others_mean=others_mean,
        gap=gap,
        flags=tuple(flags),
        notes=tuple(notes),
    )


def score_round(subjects: Iterable[SubjectInput], rules: RoundRules = DEFAULT_RULES) -> tuple[SubjectResult, ...]:
    """Score every cadre of a round, in the given order. Raises InvalidAggregate on a repeated subject."""
    listed = tuple(subjects)
    ids = [subject.subject_id for subject in listed]
    if len(set(ids)) != len(ids):
        raise InvalidAggregate(f"Subjects appear more than once: {sorted({i for i in ids if ids.count(i) > 1})}.")
    return tuple(score_subject(subject, rules) for subject in listed)


@dataclass(frozen=True)
class Bin:
    """[lower, upper) — the last bin also holds 4.0."""

    lower: float
    upper: float
    count: int


def distribution(results: Iterable[SubjectResult], bins: int = 8) -> tuple[Bin, ...]:
    """Histogram of composite indices over [0, 4] in equal bins; cadres without a composite are left out."""
    if not _is_int(bins) or bins < 1:
        raise ValueError(f"A distribution needs at least one bin; got {bins!r}.")
    counts = [0] * bins
    for result in results:
        if result.composite is not None:
            counts[_bin_index(result.composite, bins)] += 1
    return tuple(
        Bin(lower=SCORE_MAX * i / bins, upper=SCORE_MAX * (i + 1) / bins, count=count) for i, count in enumerate(counts)
    )


@lru_cache(maxsize=4096)
def _bin_index(composite: float, bins: int) -> int:
    # Exact arithmetic on the decimal shown, so 2.00 falls in the bin that starts at 2. Composites are rounded
    # to 2 decimals within [0, 4]: a few hundred values, hence the cache.
    index = math.floor(Fraction(repr(composite)) * bins / Fraction(repr(SCORE_MAX)))
    return min(max(index, 0), bins - 1)


@dataclass(frozen=True)
class RoundSummary:
    """The round overview's counts; `flag_counts` counts cadres per flag."""

    subjects: int
    candidates: int
    without_composite: int
    peer_withheld: int
    flag_counts: Mapping[FlagCode, int]
    straight_lined_ballots: int


def round_summary(results: Iterable[SubjectResult], *, straight_lined_ballots: int) -> RoundSummary:
    """Counts for the round overview; `straight_lined_ballots` is the round-level SQL count."""
    _check_count("Straight-lined ballots", straight_lined_ballots)
    listed = tuple(results)
    flag_counts = dict.fromkeys(FlagCode, 0)
    for result in listed:
        for code in {flag.code for flag in result.flags}:  # each cadre counts once per flag
            flag_counts[code] += 1
    return RoundSummary(
        subjects=len(listed),
        candidates=sum(r.is_candidate for r in listed),
        without_composite=sum(r.composite is None for r in listed),
        peer_withheld=sum(isinstance(r.peer_score, Withheld) for r in listed),
        flag_counts=MappingProxyType(flag_counts),
        straight_lined_ballots=straight_lined_ballots,
    )
