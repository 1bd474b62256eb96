"""Fifty people determining the same case at the same moment: exactly one wins (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases.rectification import services
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import CaseState, RectificationCase
from project.audit.models import AuditEvent
from project.audit.verify import verify_chain
from project.org.models import User
from tests.cases.rectification.states import DETERMINATION, nominated
from tests.conftest import Personas
from tests.services import require_postgres

THREADS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_confirmations_and_dismissals_leave_exactly_one_determination(personas: Personas) -> None:
    require_postgres()
    case = nominated(personas)
    start = threading.Barrier(THREADS)
    won: list[str] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def determine(index: int) -> None:
        try:
            # Each thread has its own connection and its own user instance (grants are cached on it).
            actor = User.objects.get(pk=personas.alice.pk)
            target = RectificationCase.objects.get(pk=case.pk)
            start.wait()
            if index % 2:
                services.case_confirm(actor=actor, case=target, note=f"{DETERMINATION}（{index}）")
                won.append("confirm")
            else:
                services.case_dismiss(actor=actor, case=target, reason=f"不予确定（{index}）")
                won.append("dismiss")
        except InvalidTransition:
            refused.append(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=determine, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(won) == 1
    assert len(refused) == THREADS - 1
    case.refresh_from_db()
    expected = CaseState.CONFIRMED if won == ["confirm"] else CaseState.DISMISSED
    assert case.state == expected
    determinations = AuditEvent.objects.for_object(case).filter(action__in=["case.confirm", "case.dismiss"])
    assert determinations.count() == 1
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_bulk_confirmations_confirm_each_case_once(personas: Personas) -> None:
    require_postgres()
    ids = [nominated(personas).pk, nominated(personas, cadre=personas.dora_cadre).pk]
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def confirm_all() -> None:
        try:
            actor = User.objects.get(pk=personas.alice.pk)
            start.wait()
            services.cases_confirm_bulk(actor=actor, case_ids=ids, note=DETERMINATION)
            outcomes.append("done")
        except InvalidTransition:
            outcomes.append("refused")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == ["done", "refused"]
    assert AuditEvent.objects.filter(action="case.confirm").count() == 2
