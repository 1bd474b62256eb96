from __future__ import annotations

import pytest

from cases.rectification.period_services import case_withdraw
from cases.rectification.services import case_confirm, case_nominate, cases_confirm_bulk
from project.org.models import CadreMark, MarkKind
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_confirming_a_case_marks_the_cadre_as_a_target(personas: Personas) -> None:
    case = case_nominate(actor=personas.alice, cadre=personas.carl_cadre, evidence={})
    case_confirm(actor=personas.alice, case=case, note="确定")
    mark = CadreMark.objects.get(cadre=personas.carl_cadre, kind=MarkKind.RECTIFICATION_TARGET)
    assert mark.source == f"case:{case.pk}"
    assert mark.valid_until is None


def test_a_bulk_confirmation_marks_every_cadre(personas: Personas) -> None:
    cases = [
        case_nominate(actor=personas.alice, cadre=cadre, evidence={})
        for cadre in (personas.carl_cadre, personas.dora_cadre)
    ]
    cases_confirm_bulk(actor=personas.alice, case_ids=[c.pk for c in cases], note="批量确定")
    assert CadreMark.objects.filter(kind=MarkKind.RECTIFICATION_TARGET).count() == 2


def test_withdrawing_a_case_ends_the_target_mark(personas: Personas) -> None:
    case = case_nominate(actor=personas.alice, cadre=personas.carl_cadre, evidence={})
    case_confirm(actor=personas.alice, case=case, note="确定")
    case_withdraw(actor=personas.alice, case=case, reason="retired")
    mark = CadreMark.objects.get(cadre=personas.carl_cadre, kind=MarkKind.RECTIFICATION_TARGET)
    assert mark.valid_until is not None
