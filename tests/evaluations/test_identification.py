"""Identification: aggregate → score → freeze, once, for a closed round; the task; the synthetic truth."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone, translation

from evaluations import identification
from evaluations.aggregates import round_inputs
from evaluations.exceptions import InvalidTransition
from evaluations.identification import figures_json, round_identify, rules_of
from evaluations.models import (
    EvaluationRound,
    IdentificationRun,
    IdentificationStatus,
    RoundResultSummary,
    SubjectResult,
)
from evaluations.scoring import score_subject
from evaluations.services import round_close, round_publish
from evaluations.synthetic import seed_round
from project.audit.models import AuditEvent
from project.celery import app as celery_app
from project.org.models import CadreMark, MarkKind
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round
from tests.services import require_redis
from tests.worker import celery_worker, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(org: Org, personas: Personas) -> BuiltRound:
    return build_closed_round(org, personas)


@pytest.fixture
def eager_celery() -> Any:
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def result_of(round: EvaluationRound, cadre: Any) -> SubjectResult:
    return SubjectResult.objects.get(round=round, cadre=cadre)


# --- Freezing ---------------------------------------------------------------------------------------


def test_identifying_a_closed_round_freezes_one_result_per_cadre_and_a_summary(
    built: BuiltRound, personas: Personas
) -> None:
    run = round_identify(actor=personas.alice, round=built.round)
    assert run.status == IdentificationStatus.DONE
    assert run.done == run.total == 10
    assert SubjectResult.objects.filter(round=built.round).count() == 10
    summary = RoundResultSummary.objects.get(round=built.round)
    assert summary.subjects == 10
    assert summary.straight_lined_ballots == 1
    assert summary.peer_withheld == 3  # the two of section 2 and leo, whom no colleague rates
    assert sum(item["count"] for item in summary.distribution) == summary.subjects - summary.without_composite
    assert {u["name"] for u in summary.turnout_by_unit} == {"综合科", "投资科"}
    assert summary.rules["k"] == 3


def test_the_frozen_figures_are_exactly_what_scoring_makes_of_the_aggregates(
    built: BuiltRound, personas: Personas
) -> None:
    round_identify(actor=personas.alice, round=built.round)
    rules = rules_of(built.round)
    for subject in round_inputs(built.round, today=timezone.localdate()).subjects:
        stored = SubjectResult.objects.get(round=built.round, cadre_id=subject.subject_id)
        expected = score_subject(subject, rules)
        assert stored.figures == json.loads(json.dumps(figures_json(expected)))
        assert stored.is_candidate is expected.is_candidate
        assert [f["code"] for f in stored.flags] == [str(f.code) for f in expected.flags]


def test_dora_who_lies_flat_is_a_candidate_with_reasons_in_chinese_and_english(
    built: BuiltRound, personas: Personas
) -> None:
    round_identify(actor=personas.alice, round=built.round)
    dora = result_of(built.round, built.dora)
    assert dora.is_candidate
    codes = {f["code"] for f in dora.flags}
    assert {"composite", "unfavourable_share"} <= codes
    composite = next(f for f in dora.flags if f["code"] == "composite")
    assert composite["zh"].startswith("综合指数")
    assert composite["en"].startswith("Composite index")
    assert composite["decisive"] is True
    assert not result_of(built.round, personas.carl_cadre).is_candidate


def test_a_peer_group_below_k_is_stored_as_withheld_with_no_number_at_all(
    built: BuiltRound, personas: Personas
) -> None:
    round_identify(actor=personas.alice, round=built.round)
    for cadre in built.section_2:
        result = result_of(built.round, cadre)
        assert result.peer_withheld
        assert result.figures["peer"] == {"withheld": True, "k": 3}
        # The unfavourable share counts leader sheets only, and says so.
        assert result.figures["unfavourable"]["leader_only"] is True
        assert "peer_withheld" in {n["code"] for n in result.notes}


def test_identifying_again_changes_nothing_even_after_a_new_mark_or_publication(
    built: BuiltRound, personas: Personas
) -> None:
    first = round_identify(actor=personas.alice, round=built.round)
    before = {r.cadre_id: (r.pk, r.figures, r.flags, r.is_candidate) for r in SubjectResult.objects.all()}
    frozen_at = RoundResultSummary.objects.get(round=built.round).created_at
    # A case of carl's closes now: live results would call it a relapse; frozen ones do not move.
    CadreMark.objects.create(
        cadre=personas.carl_cadre, kind=MarkKind.CASE_CLOSED, valid_from=date(2026, 3, 1), source="case:1"
    )
    again = round_identify(actor=personas.alice, round=built.round)
    round_publish(actor=personas.alice, round=built.round)
    after_publish = round_identify(actor=personas.alice, round=built.round)
    assert first.pk == again.pk == after_publish.pk
    assert again.attempt == after_publish.attempt == 1
    after = {r.cadre_id: (r.pk, r.figures, r.flags, r.is_candidate) for r in SubjectResult.objects.all()}
    assert after == before
    assert RoundResultSummary.objects.get(round=built.round).created_at == frozen_at
    assert AuditEvent.objects.filter(action="evaluation_round.identified").count() == 1


def test_a_relapse_makes_a_candidate_and_a_no_negative_evaluation_mark_takes_it_back(
    org: Org, personas: Personas
) -> None:
    built = build_closed_round(org, personas)
    carl = personas.carl_cadre
    CadreMark.objects.create(cadre=carl, kind=MarkKind.CASE_CLOSED, valid_from=date(2025, 5, 1), source="case:9")
    dora = built.dora
    CadreMark.objects.create(cadre=dora, kind=MarkKind.CASE_CLOSED, valid_from=date(2025, 5, 1), source="case:8")
    CadreMark.objects.create(
        cadre=dora, kind=MarkKind.NO_NEGATIVE_EVALUATION, valid_from=date(2025, 6, 1), source="matter:3"
    )
    round_identify(actor=personas.alice, round=built.round)
    carl_result = result_of(built.round, carl)
    assert carl_result.is_candidate
    assert [f["code"] for f in carl_result.flags if f["decisive"]] == ["relapse"]
    dora_result = result_of(built.round, dora)
    assert "relapse" not in {f["code"] for f in dora_result.flags}
    assert "relapse_exempted" in {n["code"] for n in dora_result.notes}
    assert dora_result.is_candidate  # colleagues and leo still see her lying flat: the mark does not hide that


# --- Preconditions --------------------------------------------------------------------------------


def test_an_open_round_cannot_be_identified_and_says_why(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas, close=False)
    with translation.override("en"), pytest.raises(InvalidTransition) as raised:
        round_identify(actor=personas.alice, round=built.round)
    assert raised.value.code == "identify_from_open"
    assert "closed" in raised.value.message
    assert not IdentificationRun.objects.exists()


@pytest.mark.parametrize("persona", ["audrey", "oscar", "leo", "carl"])
def test_only_the_org_admin_of_the_scope_may_identify(built: BuiltRound, personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        round_identify(actor=getattr(personas, persona), round=built.round)
    assert not SubjectResult.objects.exists()


def test_asking_for_the_identification_and_its_completion_are_audited(built: BuiltRound, personas: Personas) -> None:
    round_identify(actor=personas.alice, round=built.round)
    asked = AuditEvent.objects.get(action="evaluation_round.identify")
    assert asked.actor_id == personas.alice.pk
    assert asked.data == {"cadres": 10, "inline": True}
    done = AuditEvent.objects.get(action="evaluation_round.identified")
    assert done.data["candidates"] == RoundResultSummary.objects.get().candidates
    assert "frozen" in done.summary


# --- Large rounds: the task, attempts, failures --------------------------------------------------------


def test_a_large_round_is_identified_by_the_task_enqueued_on_commit(
    built: BuiltRound, personas: Personas, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = round_identify(actor=personas.alice, round=built.round, inline=False)
    assert run.status == IdentificationStatus.PENDING
    assert not SubjectResult.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the broker delivers: eager mode runs the task here
    run.refresh_from_db()
    assert run.status == IdentificationStatus.DONE
    assert SubjectResult.objects.filter(round=built.round).count() == 10


def test_the_task_is_idempotent_and_a_second_delivery_changes_nothing(built: BuiltRound, personas: Personas) -> None:
    from evaluations.tasks import identify_round

    round_identify(actor=personas.alice, round=built.round)
    before = list(SubjectResult.objects.order_by("pk").values_list("pk", "figures"))
    assert identify_round(built.round.pk) == "done"
    assert list(SubjectResult.objects.order_by("pk").values_list("pk", "figures")) == before


def test_the_task_for_a_round_nobody_asked_to_identify_does_nothing(built: BuiltRound) -> None:
    from evaluations.tasks import identify_round

    assert identify_round(built.round.pk) == "missing"
    assert not SubjectResult.objects.exists()


def test_an_attempt_overtaken_by_a_newer_one_writes_nothing(
    built: BuiltRound, personas: Personas, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        round_identify(actor=personas.alice, round=built.round, inline=False)
    real_inputs = identification.round_inputs

    def redelivered_meanwhile(round: EvaluationRound, *, today: date) -> Any:
        # While this attempt aggregates, the message is delivered again and a second worker finishes first.
        monkeypatch.setattr(identification, "round_inputs", real_inputs)
        identification.identification_execute(round_id=round.pk)
        return real_inputs(round, today=today)

    monkeypatch.setattr(identification, "round_inputs", redelivered_meanwhile)
    run = identification.identification_execute(round_id=built.round.pk)
    assert run.status == IdentificationStatus.DONE
    assert run.attempt == 2
    assert SubjectResult.objects.filter(round=built.round).count() == 10  # the winner's rows, once


def test_a_failed_identification_is_marked_failed_and_can_be_asked_for_again(
    built: BuiltRound, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(round: EvaluationRound, *, today: date) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(identification, "round_inputs", broken)
    with pytest.raises(RuntimeError):
        round_identify(actor=personas.alice, round=built.round)
    run = IdentificationRun.objects.get()
    assert run.status == IdentificationStatus.FAILED
    assert "the database went away" in run.error
    monkeypatch.undo()
    run = round_identify(actor=personas.alice, round=built.round)
    assert run.status == IdentificationStatus.DONE
    assert run.attempt == 2
    assert SubjectResult.objects.filter(round=built.round).count() == 10


def test_a_round_closed_with_no_rating_at_all_is_identified_with_every_cadre_insufficient(
    org: Org, personas: Personas
) -> None:
    from tests.evaluations.conftest import create_round

    round = create_round(personas.alice, org.district_a)
    from evaluations.services import round_open

    round_open(actor=personas.alice, round=round)
    round_close(actor=personas.alice, round=round)
    run = round_identify(actor=personas.alice, round=round)
    assert run.is_done
    summary = RoundResultSummary.objects.get(round=round)
    assert summary.candidates == 0
    assert summary.without_composite == summary.subjects == 3
    assert [item["count"] for item in summary.distribution] == [0] * 8


# --- The synthetic truth ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_genuinely_lying_flat_cadres_of_a_synthetic_round_are_found(seed: int) -> None:
    seeded = seed_round(cadres=300, seed=seed)
    run = round_identify(actor=seeded.round.created_by, round=seeded.round)
    assert run.is_done
    truth = set(seeded.lying_flat)
    candidates = set(
        SubjectResult.objects.filter(round=seeded.round, is_candidate=True).values_list("cadre_id", flat=True)
    )
    found = truth & candidates
    assert len(truth) >= 5
    assert len(found) / len(truth) >= 0.9  # recall
    # Precision: a few colleagues who drew several severe raters reach the one-third unfavourable share.
    # That is the rule working as written (it is why the organization department decides, 组织评定).
    assert len(found) / len(candidates) >= 0.7


def test_the_same_seed_builds_the_same_ratings_and_the_same_results() -> None:
    first = seed_round(cadres=60, seed=5, units=3)
    second = seed_round(cadres=60, seed=5, units=3)
    assert first.round.pk != second.round.pk
    assert [e.split("-")[-1] for e in first.lying_flat_external_ids] == [
        e.split("-")[-1] for e in second.lying_flat_external_ids
    ]
    for seeded in (first, second):
        round_identify(actor=seeded.round.created_by, round=seeded.round)

    def figures(round: EvaluationRound) -> list[Any]:
        rows = SubjectResult.objects.filter(round=round).order_by("cadre__external_id")
        return [(r.cadre.external_id.split("-")[-1], r.figures, r.is_candidate) for r in rows]

    assert figures(first.round) == figures(second.round)


# --- A real worker ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_identifies_a_large_round_and_the_progress_reaches_the_total(
    org: Org, personas: Personas, tmp_path: Path
) -> None:
    broker_url = require_redis()
    built = build_closed_round(org, personas)
    with celery_worker(queues=["celery"], broker_url=broker_url, var_dir=tmp_path) as worker:
        run = round_identify(actor=personas.alice, round=built.round, inline=False)
        assert run.status == IdentificationStatus.PENDING

        def finished() -> bool:
            return IdentificationRun.objects.filter(pk=run.pk, status=IdentificationStatus.DONE).exists()

        wait_for(finished, timeout=60, what=f"the identification of round {built.round.pk}\n{worker.log_tail()}")
        assert "evaluations.tasks.identify_round[" in worker.log()
    run.refresh_from_db()
    assert run.done == run.total == 10
    assert SubjectResult.objects.filter(round=built.round).count() == 10
    assert connection.vendor in {"sqlite", "postgresql"}
