"""Reads of a round's frozen results, and how they are shown.

Every output — the pages, the XLSX export, the result-card PDF, `manage.py identify --json` — reads the
SubjectResult / RoundResultSummary rows that evaluations.identification froze, and turns them into words and
figures here. A peer group below k was stored with no number (`{"withheld": true, "k": …}`); `present` shows
it as "评价人数不足" / "insufficient ratings", and there is no other path to a peer figure.

Callers reach these reads through a round they already got from `selectors.round_get(user=…)` (visible_to).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from evaluations import scoring
from evaluations.exceptions import ResultsNotReady
from evaluations.models import (
    EvaluationRound,
    IdentificationRun,
    IdentifiedRating,
    Manifestation,
    PeerRating,
    Relation,
    RoundResultSummary,
    SubjectResult,
)

RELATIONS: tuple[str, ...] = (Relation.SELF, Relation.PEER, Relation.LEADER)


def in_english() -> bool:
    """Whether the reader chose English; Chinese otherwise (the site's default, and every PDF's)."""
    return (get_language() or "").startswith("en")


def pick(zh: str, en: str) -> str:
    return en if in_english() else zh


def withheld_text() -> str:
    """What a peer group below k shows instead of any figure."""
    return pick(scoring.Withheld.zh, scoring.Withheld.en)


# --- Reads ----------------------------------------------------------------------------------------


def results_run(*, round: EvaluationRound) -> IdentificationRun | None:
    return IdentificationRun.objects.filter(round=round).first()


def results_summary(*, round: EvaluationRound) -> RoundResultSummary | None:
    """The frozen summary; it exists exactly when the identification is done (written in its last step)."""
    return RoundResultSummary.objects.filter(round=round).first()


def results_require(*, round: EvaluationRound) -> RoundResultSummary:
    """The frozen summary, or ResultsNotReady (409) with a message a person understands."""
    summary = results_summary(round=round)
    if summary is None:
        raise ResultsNotReady(
            _(
                "The results of “%(title)s” are not identified yet. They exist only after the round closes and the"
                " organization department identifies the candidates."
            )
            % {"title": round.title},
            code="results_not_ready",
        )
    return summary


def result_list(*, round: EvaluationRound, candidates_only: bool = True) -> QuerySet[SubjectResult]:
    """Frozen results by unit, the highest composite first, then by name."""
    results = SubjectResult.objects.filter(round=round)
    if candidates_only:
        results = results.filter(is_candidate=True)
    return results.select_related("cadre", "unit").order_by(
        "unit__path", F("composite").desc(nulls_last=True), "cadre__name", "cadre_id"
    )


def result_get(*, round: EvaluationRound, cadre_pk: int) -> SubjectResult:
    """One cadre's frozen result in the round; Http404 if there is none."""
    return get_object_or_404(
        SubjectResult.objects.select_related("cadre", "unit", "round"), round=round, cadre_id=cadre_pk
    )


def manifestations_of(round: EvaluationRound) -> list[Manifestation]:
    return list(Manifestation.objects.filter(round=round).order_by("order", "code"))


@dataclass(frozen=True)
class SignedComment:
    relation: str
    rater: str
    text: str


@dataclass(frozen=True)
class Comments:
    """The free-text comments on one cadre. `peer` is None when the peer group is below k: a group that
    cannot be shown as a number is not shown as words either (their count alone would say how many)."""

    peer: list[str] | None
    signed: list[SignedComment]


def result_comments(*, result: SubjectResult) -> Comments:
    """Peer comments in text order (never arrival order), and the signed self and leader comments.

    Only for the organization department (permissions.can_view_rating_comments); the caller audits the read.
    """
    peer: list[str] | None = None
    if not result.peer_withheld:
        peer = sorted(
            PeerRating.objects.filter(round_id=result.round_id, subject_id=result.cadre_id)
            .exclude(comment="")
            .values_list("comment", flat=True)
        )
    signed = [
        SignedComment(relation, str(rater or ""), comment)
        for relation, rater, comment in IdentifiedRating.objects.filter(
            round_id=result.round_id, subject_id=result.cadre_id, submitted_at__isnull=False
        )
        .exclude(comment="")
        .order_by("relation", "rater__display_name", "pk")
        .values_list("relation", "rater__display_name", "comment")
    ]
    return Comments(peer=peer, signed=signed)


# --- Presentation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A figure as shown: `value` is the number (None for words), `text` what a person reads."""

    value: float | int | None
    text: str
    withheld: bool = False

    def __str__(self) -> str:
        return self.text


NONE = Figure(None, "—")


def _mean(value: float | None) -> Figure:
    return NONE if value is None else Figure(value, f"{value:.2f}")


def _count(value: int) -> Figure:
    return Figure(value, str(value))


def _withheld() -> Figure:
    return Figure(None, withheld_text(), withheld=True)


@dataclass(frozen=True)
class RelationLine:
    relation: str
    label: str
    sheets: Figure
    mean: Figure  # the peer line: the raw mean
    adjusted: Figure  # the peer line only
    unfavourable: Figure
    per_manifestation: tuple[Figure, ...]
    weight: str

    @property
    def withheld(self) -> bool:
        return self.sheets.withheld


@dataclass(frozen=True)
class Sentence:
    code: str
    text: str
    decisive: bool = False


@dataclass(frozen=True)
class ResultCard:
    result: SubjectResult
    lines: tuple[RelationLine, ...]
    composite: Figure
    others_mean: Figure
    gap: Figure
    unfavourable_share: Figure
    flags: tuple[Sentence, ...]
    notes: tuple[Sentence, ...]
    manifestations: tuple[Manifestation, ...]

    @property
    def peer(self) -> RelationLine:
        return self.lines[1]

    @property
    def manifestation_rows(self) -> list[tuple[Manifestation, tuple[Figure, ...]]]:
        """Per manifestation, its mean in each relation (self, peer, leader)."""
        return [
            (item, tuple(line.per_manifestation[i] for line in self.lines))
            for i, item in enumerate(self.manifestations)
        ]


def relation_label(relation: str) -> str:
    return str(Relation(relation).label)


def _weight(relation: str, round_weights: Mapping[str, int], used: Mapping[str, Any]) -> str:
    base = round_weights.get(relation, 0)
    if relation in used:
        percent = used[relation]["percent"]
        return f"{base}%" if percent == f"{base}%" else f"{base}% → {percent}"
    return f"{base}% → —" if base else "0%"


def _line(relation: str, data: Mapping[str, Any] | None, codes: Sequence[str], weight: str) -> RelationLine:
    label = relation_label(relation)
    if data is not None and data.get("withheld"):
        hidden = _withheld()
        return RelationLine(relation, label, hidden, hidden, hidden, hidden, tuple(hidden for _ in codes), weight)
    if data is None:
        return RelationLine(relation, label, _count(0), NONE, NONE, NONE, tuple(NONE for _ in codes), weight)
    per = data.get("per_manifestation", {})
    mean = data["raw_mean"] if relation == Relation.PEER else data["mean"]
    return RelationLine(
        relation,
        label,
        _count(data["sheets"]),
        _mean(mean),
        _mean(data["adjusted_mean"]) if relation == Relation.PEER else NONE,
        _count(data["unfavourable"]),
        tuple(_mean(per.get(code)) for code in codes),
        weight,
    )


def _sentences(items: Sequence[Mapping[str, Any]]) -> tuple[Sentence, ...]:
    english = in_english()
    return tuple(
        Sentence(str(item["code"]), str(item["en"] if english else item["zh"]), bool(item.get("decisive")))
        for item in items
    )


def round_weights(round: EvaluationRound) -> dict[str, int]:
    return {"self": round.weight_self, "peer": round.weight_peer, "leader": round.weight_leader}


def present(result: SubjectResult, manifestations: Sequence[Manifestation], weights: Mapping[str, int]) -> ResultCard:
    """One cadre's frozen result in words and figures, in the active language."""
    figures = result.figures
    codes = [m.code for m in manifestations]
    used = figures.get("weights_used", {})
    lines = tuple(_line(r, figures.get(r), codes, _weight(r, weights, used)) for r in RELATIONS)
    share = figures.get("unfavourable")
    unfavourable_share = (
        NONE
        if share is None
        else Figure(
            None,
            f"{share['unfavourable']}/{share['sheets']} ({share['percent']})"
            + (pick("（仅领导评价）", " (leader sheets only)") if share["leader_only"] else ""),
        )
    )
    return ResultCard(
        result=result,
        lines=lines,
        composite=_mean(figures.get("composite")),
        others_mean=_mean(figures.get("others_mean")),
        gap=_mean(figures.get("gap")),
        unfavourable_share=unfavourable_share,
        flags=_sentences(result.flags),
        notes=_sentences(result.notes),
        manifestations=tuple(manifestations),
    )


def reasons(result: SubjectResult) -> list[str]:
    """The flags' sentences in the active language: why the cadre is (or is not) a candidate."""
    return [sentence.text for sentence in _sentences(result.flags)]


def candidate_json(result: SubjectResult) -> dict[str, Any]:
    """A candidate as `manage.py identify --json` prints it: the frozen figures (k applied), both languages."""
    return {
        "cadre_id": result.cadre_id,
        "external_id": result.cadre.external_id,
        "name": result.cadre.name,
        "unit": {"id": result.unit_id, "code": result.unit.code, "name": result.unit.name},
        "composite": result.figures.get("composite"),
        "flags": [{"code": f["code"], "decisive": f["decisive"], "zh": f["zh"], "en": f["en"]} for f in result.flags],
        "notes": [{"code": n["code"], "zh": n["zh"], "en": n["en"]} for n in result.notes],
        "figures": result.figures,
    }
