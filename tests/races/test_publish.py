"""Publishing a round nominates its candidates (each a case, the cadre's row locked) while a case is opened by
hand or the roster imported for one of them, at the same moment.

The publication locks every candidate's row before its first audit event (the chain's lock, held until
commit): it waits for the other request, which then never waits for it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cases.rectification import services as case_services
from cases.rectification.models import OPEN_STATES, RectificationCase
from evaluations.identification import round_identify
from evaluations.models import EvaluationRound, RoundState, SubjectResult
from evaluations.services import round_publish
from project.org import services as org_services
from project.org.models import Cadre, User
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round
from tests.org.rosters import EN_HEADER, csv_bytes
from tests.races.interleave import Gate, after, first_holds_second_waits
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CADRE_LOCK = '%"org_cadre"%FOR UPDATE%'


@pytest.fixture
def identified(org: Org, personas: Personas) -> BuiltRound:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)
    assert SubjectResult.objects.filter(round=built.round, is_candidate=True, cadre=built.dora).exists()
    return built


def _publish(personas: Personas, round_pk: int) -> EvaluationRound:
    return round_publish(actor=User.objects.get(pk=personas.alice.pk), round=EvaluationRound.objects.get(pk=round_pk))


def _published_with_one_case_for_dora(built: BuiltRound) -> None:
    built.round.refresh_from_db()
    assert built.round.state == RoundState.PUBLISHED
    assert RectificationCase.objects.filter(cadre=built.dora, state__in=OPEN_STATES).count() == 1


def test_a_case_opened_by_hand_while_the_round_is_published(
    identified: BuiltRound, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    gate = Gate("open")
    monkeypatch.setattr(case_services, "_create_case", after(case_services._create_case, gate))

    def open_by_hand() -> RectificationCase:
        dora = Cadre.objects.get(pk=identified.dora.pk)
        return case_services.case_open_manually(
            actor=User.objects.get(pk=personas.alice.pk), cadre=dora, reason="群众反映推诿扯皮"
        )

    # dora's row is locked and her case inserted, its audit event next; the publication waits for her row.
    opened, published = first_holds_second_waits(
        gate, open_by_hand, lambda: _publish(personas, identified.round.pk), CADRE_LOCK
    )

    assert (opened.error, published.error) == (None, None)  # before: one of them died in a deadlock (a 500)
    _published_with_one_case_for_dora(identified)


def test_a_roster_import_while_the_round_is_published(
    identified: BuiltRound, personas: Personas, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgres()
    dora = identified.dora
    content = csv_bytes(
        EN_HEADER, [[dora.external_id, dora.name, "男", "1980-05-17", "A-DRC-1", "副科长", "一级科员", ""]]
    )
    gate = Gate("import")
    monkeypatch.setattr(org_services, "plan_import", after(org_services.plan_import, gate))

    def do_import() -> Any:
        alice = User.objects.get(pk=personas.alice.pk)
        return org_services.roster_import(actor=alice, content=content, filename="roster.csv", unit=org.district_a)

    # The import's plan holds dora's row; the publication waits for it.
    imported, published = first_holds_second_waits(
        gate, do_import, lambda: _publish(personas, identified.round.pk), CADRE_LOCK
    )

    assert (imported.error, published.error) == (None, None)
    assert imported.value.ok, imported.value.issues
    _published_with_one_case_for_dora(identified)
