"""Identification of a closed round (认定): aggregate in SQL → score (evaluations.scoring) → freeze.

Results are computed ONCE, when the organization department asks for them after the round closed, and are
frozen from then on: `round_identify` on a round whose run is done returns that run and changes nothing,
whatever happened since (a case closed, an exemption granted, a cadre transferred). Nothing deletes a done
run's rows (but `bench_identification`, between its timed runs, on its own synthetic rounds only). So there
are no live results and no differencing between releases, and publishing shows what was identified. Every
output (pages, XLSX, PDF, the `identify` command) reads the frozen rows; the k-threshold is applied once,
here, when `figures_json` stores a peer group below k as a marker with no number.

Small rounds run inside the request; larger ones in a Celery task (evaluations.tasks.identify_round) that
reports progress on the IdentificationRun row, which the results page polls. The task is idempotent: each
start bumps `attempt` and clears rows of an unfinished earlier attempt, and every chunk is written only if
its attempt is still the current one.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache, partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import scoring
from evaluations.aggregates import RoundInputs, round_inputs
from evaluations.bulk import BulkInserter
from evaluations.exceptions import InvalidTransition
from evaluations.models import (
    EvaluationRound,
    IdentificationRun,
    IdentificationStatus,
    IdentifiedRating,
    RoundResultSummary,
    RoundState,
    SubjectResult,
)
from evaluations.permissions import can_identify_round
from evaluations.selectors import round_turnout
from project.audit.services import audit_record
from project.org.models import Unit

if TYPE_CHECKING:
    from project.org.models import User

logger = logging.getLogger(__name__)

# Up to this many cadres the request computes the results itself (about a second on the benchmark machine,
# docs/BENCHMARKS.md); above, a Celery task with a progress bar.
INLINE_MAX_SUBJECTS = 1000
# Results are written and progress is reported this many cadres at a time.
CHUNK = 2000
# A run still "running" this long after it started is taken to have lost its worker; asking again restarts it.
STALE_AFTER = timedelta(minutes=30)
DISTRIBUTION_BINS = 8


class _Superseded(Exception):
    """A newer attempt took the run over; this one stops without writing."""


def rules_of(round: EvaluationRound) -> scoring.RoundRules:
    """The round's rules as scoring wants them (thresholds as floats, the share exact)."""
    return scoring.RoundRules(
        weight_self=round.weight_self,
        weight_peer=round.weight_peer,
        weight_leader=round.weight_leader,
        k=round.k_anonymity,
        composite_threshold=float(round.composite_threshold),
        unfavourable_share=round.unfavourable_share,
        gap_threshold=float(round.gap_threshold),
    )


# --- The frozen form: exactly what the outputs show -----------------------------------------------


def _relation_json(score: scoring.RelationScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "sheets": score.sheets,
        "mean": score.mean,
        "unfavourable": score.unfavourable,
        "per_manifestation": dict(score.per_manifestation),
    }


def _peer_json(score: scoring.PeerScore | scoring.Withheld) -> dict[str, Any]:
    if isinstance(score, scoring.Withheld):
        # The whole of what is kept about a group below k: that it is withheld, and the rule.
        return {"withheld": True, "k": score.k}
    return {
        "withheld": False,
        "sheets": score.sheets,
        "raw_mean": score.raw_mean,
        "adjusted_mean": score.adjusted_mean,
        "unfavourable": score.unfavourable,
        "straight_lined_sheets": score.straight_lined_sheets,
        "per_manifestation": dict(score.per_manifestation),
    }


def _share(value: Fraction) -> dict[str, str]:
    share, percent = _share_words(value)
    return {"share": share, "percent": percent}


@lru_cache(maxsize=256)
def _share_words(value: Fraction) -> tuple[str, str]:
    # A round has a handful of distinct weight shares; formatting a Fraction is not cheap.
    return str(value), f"{float(value):.0%}"


def figures_json(result: scoring.SubjectResult) -> dict[str, Any]:
    """The figures of one cadre as stored and shown; a withheld peer group carries no number."""
    unfavourable = result.unfavourable
    return {
        "self": _relation_json(result.self_score),
        "peer": _peer_json(result.peer_score),
        "leader": _relation_json(result.leader_score),
        "composite": result.composite,
        "weights_used": {str(relation): _share(weight) for relation, weight in result.weights_used.items()},
        "unfavourable": None
        if unfavourable is None
        else {
            "unfavourable": unfavourable.unfavourable,
            "sheets": unfavourable.sheets,
            "leader_only": unfavourable.leader_only,
            "percent": f"{float(unfavourable.share):.0%}",
        },
        "others_mean": result.others_mean,
        "gap": result.gap,
    }


def flags_json(result: scoring.SubjectResult) -> list[dict[str, Any]]:
    return [{"code": str(f.code), "decisive": f.decisive, "zh": f.zh, "en": f.en} for f in result.flags]


def notes_json(result: scoring.SubjectResult) -> list[dict[str, Any]]:
    return [{"code": str(n.code), "zh": n.zh, "en": n.en} for n in result.notes]


RESULT_COLUMNS = (
    "round_id", "cadre_id", "unit_id", "is_candidate", "composite", "peer_withheld", "figures", "flags", "notes"
)  # fmt: skip


# The same text as evaluations.bulk.json_text, with one encoder for all rows instead of one per value.
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _result_row(round_id: int, unit_id: int, result: scoring.SubjectResult) -> tuple[Any, ...]:
    """A SubjectResult row as evaluations.bulk sends it (COPY on PostgreSQL)."""
    composite = None if result.composite is None else Decimal(f"{result.composite:.2f}")
    return (
        round_id,
        result.subject_id,
        unit_id,
        result.is_candidate,
        composite,
        isinstance(result.peer_score, scoring.Withheld),
        _json(figures_json(result)),
        _json(flags_json(result)),
        _json(notes_json(result)),
    )


# --- Requesting --------------------------------------------------------------------------------------


def round_identify(*, actor: User, round: EvaluationRound, inline: bool | None = None) -> IdentificationRun:
    """Identify the candidates of a closed round and freeze the results (once).

    Requires: the actor is org_admin over the round's scope; the round is closed. Returns the run: done at
    once for a round of up to INLINE_MAX_SUBJECTS cadres (or `inline=True`), otherwise pending, with a
    Celery task enqueued on commit. Asking again returns the frozen run unchanged (done), the run under way
    (running), or re-enqueues a pending, failed or stale one. Raises PermissionDenied, or InvalidTransition
    (409) when the round is not closed and has no frozen results. Audited.
    """
    with transaction.atomic():
        locked = EvaluationRound.objects.select_for_update(of=("self",)).select_related("scope").get(pk=round.pk)
        if not can_identify_round(actor, locked):
            raise PermissionDenied
        run = IdentificationRun.objects.select_for_update().filter(round=locked).first()
        if run is not None and run.is_done:
            return run
        if run is not None and run.status == IdentificationStatus.RUNNING and not _stale(run):
            return run
        if locked.state != RoundState.CLOSED:
            raise InvalidTransition(
                _("Candidates are identified only once the round is closed; “%(title)s” is %(state)s.")
                % {"title": locked.title, "state": locked.get_state_display()},
                code=f"identify_from_{locked.state}",
            )
        size = IdentifiedRating.objects.filter(round=locked).values("subject_id").distinct().count()
        run_inline = size <= INLINE_MAX_SUBJECTS if inline is None else inline
        retry = run is not None
        if run is None:
            run = IdentificationRun.objects.create(round=locked, requested_by=actor, inline=run_inline, total=size)
        else:
            run.status, run.error, run.requested_by, run.inline = IdentificationStatus.PENDING, "", actor, run_inline
            run.requested_at = timezone.now()
            run.save(update_fields=["status", "error", "requested_by", "inline", "requested_at"])
        audit_record(
            actor=actor,
            action="evaluation_round.identify",
            obj=locked,
            summary=f"asked for the identification of round {locked.title}" + (" (again)" if retry else ""),
            data={"cadres": size, "inline": run_inline},
        )
        if not run_inline:
            from evaluations.tasks import identify_round  # the task module imports this one

            transaction.on_commit(partial(identify_round.delay, locked.pk), robust=True)
    if run_inline:
        return identification_execute(round_id=locked.pk)
    return run


def _stale(run: IdentificationRun) -> bool:
    return run.started_at is None or timezone.now() - run.started_at > STALE_AFTER


# --- Computing ---------------------------------------------------------------------------------------


def identification_execute(*, round_id: int) -> IdentificationRun:
    """Compute, score and freeze the round's results; what the task and an inline request run.

    Idempotent: a done run is returned untouched. Otherwise this attempt takes the run over (clearing rows
    an unfinished earlier attempt left), writes the results CHUNK cadres at a time with its progress, and
    marks the run done with the round summary in the last transaction. If a newer attempt takes over
    meanwhile, this one stops and returns the run as it stands. An error marks the run failed and is
    raised again. Raises IdentificationRun.DoesNotExist when nobody asked.
    """
    with transaction.atomic():
        run = IdentificationRun.objects.select_for_update().select_related("round").get(round_id=round_id)
        if run.is_done:
            return run
        run.attempt += 1
        run.status, run.started_at, run.done, run.error = IdentificationStatus.RUNNING, timezone.now(), 0, ""
        run.save(update_fields=["attempt", "status", "started_at", "done", "error"])
        SubjectResult.objects.filter(round_id=round_id).delete()
        RoundResultSummary.objects.filter(round_id=round_id).delete()
    attempt, round = run.attempt, run.round
    try:
        inputs = round_inputs(round, today=timezone.localdate())
        _progress(run.pk, attempt, total=len(inputs.subjects))
        rules = rules_of(round)
        tally = _Tally()
        # Scored and written a chunk at a time, keeping only counts: memory does not grow with the round.
        for chunk in _batched(inputs.subjects, CHUNK):
            scored = [scoring.score_subject(subject, rules) for subject in chunk]
            _write_chunk(run.pk, attempt, [_result_row(round_id, inputs.unit_of[r.subject_id], r) for r in scored])
            tally.add(scored, inputs.unit_of)
        _finish(run.pk, attempt, round, inputs, tally)
    except _Superseded:
        logger.info("identification of round %s: attempt %s was superseded", round_id, attempt)
    except Exception as error:
        _fail(run.pk, attempt, f"{type(error).__name__}: {error}")
        raise
    return IdentificationRun.objects.get(pk=run.pk)


def _batched(items: Sequence[scoring.SubjectInput], size: int) -> Iterable[Sequence[scoring.SubjectInput]]:
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def _lock_attempt(run_id: int, attempt: int) -> IdentificationRun:
    run = IdentificationRun.objects.select_for_update().get(pk=run_id)
    if run.attempt != attempt or run.is_done:
        raise _Superseded
    return run


def _progress(run_id: int, attempt: int, *, total: int) -> None:
    with transaction.atomic():
        run = _lock_attempt(run_id, attempt)
        run.total = total
        run.save(update_fields=["total"])


def _write_chunk(run_id: int, attempt: int, rows: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        run = _lock_attempt(run_id, attempt)
        inserter = BulkInserter(SubjectResult, RESULT_COLUMNS)
        for row in rows:
            inserter.add(row)
        inserter.flush()
        run.done += len(rows)
        run.save(update_fields=["done"])


def _fail(run_id: int, attempt: int, error: str) -> None:
    logger.error("identification run %s (attempt %s) failed: %s", run_id, attempt, error)
    with transaction.atomic():
        run = IdentificationRun.objects.select_for_update().get(pk=run_id)
        if run.attempt == attempt and not run.is_done:
            run.status, run.error, run.finished_at = IdentificationStatus.FAILED, error[:2000], timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])


@dataclass
class _Tally:
    """The round summary's counts, added up chunk by chunk with scoring's own functions."""

    bins: list[int] = field(default_factory=lambda: [0] * DISTRIBUTION_BINS)
    edges: list[tuple[float, float]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    cadres: Counter[int] = field(default_factory=Counter)
    candidates: Counter[int] = field(default_factory=Counter)

    def add(self, scored: Sequence[scoring.SubjectResult], unit_of: Mapping[int, int]) -> None:
        histogram = scoring.distribution(scored, bins=DISTRIBUTION_BINS)
        self.edges = [(b.lower, b.upper) for b in histogram]
        for i, item in enumerate(histogram):
            self.bins[i] += item.count
        summary = scoring.round_summary(scored, straight_lined_ballots=0)
        self.counts.update(
            subjects=summary.subjects,
            candidates=summary.candidates,
            without_composite=summary.without_composite,
            peer_withheld=summary.peer_withheld,
        )
        self.flags.update({str(code): count for code, count in summary.flag_counts.items()})
        for result in scored:
            unit = unit_of[result.subject_id]
            self.cadres[unit] += 1
            self.candidates[unit] += result.is_candidate

    def distribution(self) -> list[dict[str, Any]]:
        if not self.edges:  # a round without cadres: the bins are still the same
            self.edges = [(b.lower, b.upper) for b in scoring.distribution((), bins=DISTRIBUTION_BINS)]
        return [
            {"lower": lower, "upper": upper, "count": count}
            for (lower, upper), count in zip(self.edges, self.bins, strict=True)
        ]

    def by_unit(self) -> list[dict[str, Any]]:
        units = Unit.objects.filter(pk__in=self.cadres).order_by("path").values_list("pk", "name", "code")
        return [
            {"unit_id": pk, "name": name, "code": code, "cadres": self.cadres[pk], "candidates": self.candidates[pk]}
            for pk, name, code in units
        ]


def _finish(run_id: int, attempt: int, round: EvaluationRound, inputs: RoundInputs, tally: _Tally) -> None:
    rules = rules_of(round)
    turnout = [
        {"unit_id": row.unit_id, "name": row.unit_name, "issued": row.issued, "used": row.used}
        for row in round_turnout(round=round)
    ]
    by_unit = tally.by_unit()
    counts = tally.counts
    with transaction.atomic():
        run = _lock_attempt(run_id, attempt)
        summary = RoundResultSummary.objects.create(
            round=round,
            subjects=counts["subjects"],
            candidates=counts["candidates"],
            without_composite=counts["without_composite"],
            peer_withheld=counts["peer_withheld"],
            straight_lined_ballots=inputs.straight_lined_ballots,
            flag_counts={str(code): tally.flags[str(code)] for code in scoring.FlagCode},
            distribution=tally.distribution(),
            candidates_by_unit=by_unit,
            turnout_by_unit=turnout,
            rules={
                "weights": {"self": rules.weight_self, "peer": rules.weight_peer, "leader": rules.weight_leader},
                "k": rules.k,
                "composite_threshold": rules.composite_threshold,
                "unfavourable_share": str(rules.unfavourable_share),
                "gap_threshold": rules.gap_threshold,
                "manifestations": list(inputs.manifestation_codes),
            },
        )
        run.status, run.finished_at = IdentificationStatus.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        audit_record(
            actor=None,
            action="evaluation_round.identified",
            obj=round,
            summary=f"identified {summary.candidates} candidates among {summary.subjects} cadres"
            f" of round {round.title}; results frozen",
            data={
                "cadres": summary.subjects,
                "candidates": summary.candidates,
                "peer_withheld": summary.peer_withheld,
                "straight_lined_ballots": summary.straight_lined_ballots,
            },
        )
