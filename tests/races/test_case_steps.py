"""A step on a talk or a commitment against a withdrawal or a handover of its case, at the same moment.

The step checks the case (open, who leads it); so it locks the case's row before its own, as every case step
does: the withdrawal or handover waits, and the case is as the step saw it when the step commits.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cases.rectification import assignment, period_services, permissions, talk_services
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import CaseState, Commitment, CommitmentStatus, RectificationCase, Talk
from project.audit.models import AuditEvent
from project.org.models import Role, User
from project.org.services import role_grant
from tests.cases.rectification.states import record_talk, talking
from tests.conftest import Org, Personas, make_user
from tests.races.interleave import CASE_ROW_LOCK, Gate, after, first_holds_second_waits
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _withdraw(personas: Personas, case_pk: int) -> RectificationCase:
    return period_services.case_withdraw(
        actor=User.objects.get(pk=personas.alice.pk),
        case=RectificationCase.objects.get(pk=case_pk),
        reason="transferred",
    )


def _actions(*names: str) -> list[str]:
    return list(AuditEvent.objects.filter(action__in=names).order_by("id").values_list("action", flat=True))


def test_a_talk_being_signed_is_signed_before_its_case_is_withdrawn(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    case = talking(personas)
    talk = record_talk(personas, case)
    other = record_talk(personas, case, content="第二次谈话的内容")
    gate = Gate("sign")
    monkeypatch.setattr(permissions, "can_sign_talk", after(permissions.can_sign_talk, gate))

    def sign() -> Talk:
        return talk_services.talk_sign(actor=User.objects.get(pk=personas.leo.pk), talk=Talk.objects.get(pk=talk.pk))

    # talk_sign has checked that the case is open; the withdrawal waits for the signature to commit.
    signed, withdrawn = first_holds_second_waits(gate, sign, lambda: _withdraw(personas, case.pk), CASE_ROW_LOCK)

    assert (signed.error, withdrawn.error) == (None, None)
    case.refresh_from_db()
    talk.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert talk.signed_at is not None
    assert case.closed_at is not None
    assert talk.signed_at < case.closed_at
    assert _actions("talk.sign", "case.withdraw") == ["talk.sign", "case.withdraw"]
    # One after the other, a talk of the withdrawn case is not signed.
    with pytest.raises(InvalidTransition):
        talk_services.talk_sign(actor=personas.leo, talk=other)


def test_a_commitment_being_checked_off_is_done_before_its_case_is_withdrawn(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    case = talking(personas)
    record_talk(personas, case)
    commitment = Commitment.objects.get(case=case)
    gate = Gate("done")
    monkeypatch.setattr(permissions, "can_mark_commitment_done", after(permissions.can_mark_commitment_done, gate))

    def done() -> Commitment:
        return talk_services.commitment_mark_done(
            actor=User.objects.get(pk=personas.leo.pk), commitment=Commitment.objects.get(pk=commitment.pk)
        )

    marked, withdrawn = first_holds_second_waits(gate, done, lambda: _withdraw(personas, case.pk), CASE_ROW_LOCK)

    assert (marked.error, withdrawn.error) == (None, None)
    case.refresh_from_db()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DONE
    assert case.closed_at is not None
    assert commitment.done_at is not None
    assert commitment.done_at < case.closed_at


def test_a_talk_being_corrected_is_saved_before_the_case_is_handed_over(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    case = talking(personas)
    talk = record_talk(personas, case)
    lena = make_user("lena", "林娜")
    role_grant(actor=None, user=lena, role=Role.LEADER, unit=org.bureau)
    gate = Gate("edit")
    monkeypatch.setattr(permissions, "can_edit_talk", after(permissions.can_edit_talk, gate))

    def edit(content: str) -> Talk:
        current = Talk.objects.get(pk=talk.pk)
        return talk_services.talk_update(
            actor=User.objects.get(pk=personas.leo.pk), talk=current, kind=current.kind, place=current.place,
            recorder=current.recorder, purpose=current.purpose, content=content, statement=current.statement,
        )  # fmt: skip

    def hand_over() -> RectificationCase:
        return assignment.case_reassign_leader(
            actor=User.objects.get(pk=personas.alice.pk), case=RectificationCase.objects.get(pk=case.pk),
            leader=User.objects.get(pk=lena.pk), reason="工作调整",
        )  # fmt: skip

    # talk_update has checked that leo still leads the case; the handover waits for the correction to commit.
    edited, handed = first_holds_second_waits(gate, lambda: edit("交接之前改定的内容"), hand_over, CASE_ROW_LOCK)

    assert (edited.error, handed.error) == (None, None)
    assert _actions("talk.update", "case.reassign_leader") == ["talk.update", "case.reassign_leader"]
    # Afterwards the old leader may no longer correct it.
    with pytest.raises(PermissionDenied):
        edit("交接之后再改")
