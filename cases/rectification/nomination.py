"""Flagged cadres become candidates: a published round's frozen candidates are nominated as cases.

The organization department then confirms or dismisses each (组织评定) on the case list. Nomination is
the system's step (actor None), taken when the round's results are published — the moment its results
become official and final — and it is idempotent per round, so publishing twice cannot double a case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import RectificationCase
from cases.rectification.services import RoundRef, case_nominate
from evaluations import results
from evaluations.models import EvaluationRound, SubjectResult
from project.locking import lock_rows
from project.org.models import Cadre

logger = logging.getLogger(__name__)


@dataclass
class Nominations:
    cases: list[RectificationCase] = field(default_factory=list)
    # Candidates who already had an open case (from another round, or opened by hand): that case goes on.
    already_open: list[str] = field(default_factory=list)


def marked_manifestations(result: SubjectResult, threshold: Decimal) -> list[str]:
    """The manifestations others (peers, leaders) rated at or above the round's composite threshold."""
    figures = result.figures or {}
    means: dict[str, list[float]] = {}
    for relation in ("peer", "leader"):
        score: dict[str, Any] | None = figures.get(relation)
        if not score or score.get("withheld"):
            continue
        for code, value in (score.get("per_manifestation") or {}).items():
            if value is not None:
                means.setdefault(code, []).append(float(value))
    return sorted(code for code, values in means.items() if sum(values) / len(values) >= float(threshold))


def round_candidates_nominate(*, round: EvaluationRound) -> Nominations:
    """Nominate every frozen candidate of `round` (the system acting); returns what was done."""
    ref = RoundRef(id=round.pk, title=round.title)
    outcome = Nominations()
    candidates = list(results.result_list(round=round, candidates_only=True))
    # Every candidate's row at once, in one order, before the first nomination writes its audit event: a case
    # opened by hand for one of them (cadre row, then the chain lock) then cannot deadlock with this.
    lock_rows(Cadre.objects.filter(pk__in=[result.cadre.pk for result in candidates]))
    for result in candidates:
        try:
            case = case_nominate(
                actor=None,
                cadre=result.cadre,
                evidence=results.candidate_json(result),
                round_ref=ref,
                manifestations=marked_manifestations(result, round.composite_threshold),
            )
        except InvalidTransition:
            outcome.already_open.append(result.cadre.name)
            continue
        outcome.cases.append(case)
    return outcome


def on_results_published(sender: type[EvaluationRound], *, round: EvaluationRound, **kwargs: Any) -> None:
    outcome = round_candidates_nominate(round=round)
    logger.info(
        "round %s published: %s cases nominated, %s candidates already had an open case",
        round.pk,
        len(outcome.cases),
        len(outcome.already_open),
    )
