"""Two people confirming the same proposal at the same moment: exactly one decision (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases.matters import decision_services, services
from cases.matters.exceptions import InvalidTransition
from cases.matters.models import DecisionStatus, MatterDecision, MatterState, Outcome
from project.audit.models import AuditEvent
from project.org.models import CadreMark, User
from tests.cases.matters.states import recommended, with_task
from tests.conftest import Personas
from tests.services import require_postgres


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_record_exactly_one_decision(personas: Personas) -> None:
    require_postgres()
    matter = with_task(personas, recommended(personas))
    services.matter_assign_reviewer(actor=personas.alice, matter=matter, user=personas.alice, committee_chair=True)
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=Outcome.EXEMPT)

    start = threading.Barrier(2)
    decided: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def confirm(user: User) -> None:
        try:
            start.wait()
            decision_services.decision_confirm(actor=user, matter=matter)
            decided.append(user.username)
        except InvalidTransition:
            refused.append(user.username)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (personas.rob, personas.alice)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(decided) == 1
    assert len(refused) == 1
    matter.refresh_from_db()
    assert matter.state == MatterState.DECIDED
    assert MatterDecision.objects.filter(matter=matter, status=DecisionStatus.CONFIRMED).count() == 1
    assert AuditEvent.objects.for_object(matter).filter(action="matter.decision_confirm").count() == 1
    assert CadreMark.objects.filter(source=f"matter:{matter.pk}").count() == 1
