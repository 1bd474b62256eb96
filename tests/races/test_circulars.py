"""A circular withdrawn or published while a case it names closes as rectified (销号), at the same moment.

Every service involved takes the case's row before a circular's and writes its audit event last (the audit
chain's lock is held until commit): no deadlock, and a circular never names a rectified person in public.
"""

from __future__ import annotations

import pytest

from cases.rectification import circulars, period_services, permissions
from cases.rectification.circular_models import Circular, CircularState
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import CaseState, RectificationCase
from cases.rectification.visit_models import VisitVerdict
from project.org.models import User
from tests.cases.rectification.states import verifying
from tests.cases.rectification.test_circulars import drafted
from tests.cases.rectification.visit_states import executed
from tests.conftest import Org, Personas
from tests.races.interleave import Gate, after, first_holds_second_waits
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _approved(org: Org, personas: Personas, bob: User, case: RectificationCase) -> Circular:
    circular = circulars.circular_submit(actor=personas.alice, circular=drafted(org, personas, cases=[case]))
    return circulars.circular_approve(actor=bob, circular=circular)


def _close(actor: User, case: RectificationCase) -> RectificationCase:
    return period_services.case_close_rectified(
        actor=User.objects.get(pk=actor.pk), case=RectificationCase.objects.get(pk=case.pk)
    )


def test_a_case_closing_while_its_circular_is_withdrawn_waits_and_both_succeed(
    org: Org, personas: Personas, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    case = verifying(personas)
    circular = circulars.circular_publish(actor=personas.alice, circular=_approved(org, personas, bob, case))
    executed(personas, VisitVerdict.IMPROVED, case)
    gate = Gate("withdraw")
    monkeypatch.setattr(permissions, "can_withdraw_circular", after(permissions.can_withdraw_circular, gate))

    def withdraw() -> Circular:
        current = Circular.objects.get(pk=circular.pk)
        return circulars.circular_withdraw(actor=User.objects.get(pk=bob.pk), circular=current, reason="撤回")

    # The withdrawal holds the circular's row; the close waits for it before its own audit event.
    withdrawn, closed = first_holds_second_waits(
        gate, withdraw, lambda: _close(personas.alice, case), 'SELECT "cases_circular"."id"%'
    )

    assert (withdrawn.error, closed.error) == (None, None)  # before: one of them died in a deadlock (a 500)
    case.refresh_from_db()
    circular.refresh_from_db()
    assert case.state == CaseState.CLOSED_RECTIFIED
    assert circular.state == CircularState.WITHDRAWN
    assert not circular.needs_withdrawal  # withdrawn already: nothing left to flag


def test_a_circular_being_published_while_its_case_closes_is_published_then_flagged(
    org: Org, personas: Personas, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    case = verifying(personas)
    circular = _approved(org, personas, bob, case)
    executed(personas, VisitVerdict.IMPROVED, case)
    gate = Gate("publish")
    monkeypatch.setattr(permissions, "can_publish_circular", after(permissions.can_publish_circular, gate))

    def publish() -> Circular:
        current = Circular.objects.get(pk=circular.pk)
        return circulars.circular_publish(actor=User.objects.get(pk=personas.alice.pk), circular=current)

    # The publication holds the named case's row, then the circular's; the close waits for the case.
    published, closed = first_holds_second_waits(
        gate,
        publish,
        lambda: _close(bob, case),
        'SELECT "cases_rectificationcase"."id", "cases_rectificationcase"."state"%',
    )

    assert (published.error, closed.error) == (None, None)
    circular.refresh_from_db()
    assert circular.state == CircularState.PUBLISHED
    assert circular.needs_withdrawal  # before: published after the close's flagging, and never flagged


@pytest.mark.django_db
def test_a_circular_is_not_published_once_a_case_it_names_closed_rectified(
    org: Org, personas: Personas, bob: User
) -> None:
    case = verifying(personas)
    circular = _approved(org, personas, bob, case)
    executed(personas, VisitVerdict.IMPROVED, case)
    period_services.case_close_rectified(actor=personas.alice, case=case)
    with pytest.raises(InvalidTransition) as refused:
        circulars.circular_publish(actor=personas.alice, circular=circular)
    assert refused.value.code == "named_case_closed"
    circular.refresh_from_db()
    assert circular.state == CircularState.APPROVED
