"""Bulk determination: Ziyang's 262 targets confirmed in one action, in a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cases.rectification import services
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import CaseState, RectificationCase
from project.audit.models import AuditEvent
from project.audit.verify import verify_chain
from project.org.models import Cadre, User
from tests.cases.rectification.states import DETERMINATION, nominated, roster
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# Whatever the number of cases: the grants, the savepoints, one locking SELECT, one UPDATE, the chain
# lock, the last hash and the audit INSERT (SQLite's 999-variable limit splits it every 99 rows).
QUERY_BOUND = 15


def nominate_all(personas: Personas, cadres: list[Cadre]) -> list[int]:
    return [nominated(personas, cadre=cadre).pk for cadre in cadres]


def fresh(user: User) -> User:
    # A new instance: its role grants are not cached yet, so every measured call pays for them alike.
    return User.objects.get(pk=user.pk)


def test_262_nominated_cases_are_confirmed_in_one_call_with_one_audit_event_each(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    ids = nominate_all(personas, roster(personas.carl_cadre.unit, 262, "Z"))
    with django_assert_max_num_queries(QUERY_BOUND):
        count = services.cases_confirm_bulk(actor=fresh(personas.alice), case_ids=ids, note=DETERMINATION)
    assert count == 262
    cases = RectificationCase.objects.filter(pk__in=ids)
    assert set(cases.values_list("state", flat=True)) == {CaseState.CONFIRMED}
    assert set(cases.values_list("determination_note", flat=True)) == {DETERMINATION}
    assert set(cases.values_list("determined_by", flat=True)) == {personas.alice.pk}
    events = AuditEvent.objects.filter(action="case.confirm")
    assert events.count() == 262
    assert sorted(int(pk) for pk in events.values_list("object_id", flat=True)) == sorted(ids)
    assert verify_chain().ok


def test_the_query_count_of_a_bulk_confirmation_does_not_grow_with_the_number_of_cases(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    unit = personas.carl_cadre.unit
    small = nominate_all(personas, roster(unit, 10, "S"))
    large = nominate_all(personas, roster(unit, 262, "L"))
    with django_assert_max_num_queries(QUERY_BOUND) as ten:
        services.cases_confirm_bulk(actor=fresh(personas.alice), case_ids=small, note=DETERMINATION)
    with django_assert_max_num_queries(QUERY_BOUND) as many:
        services.cases_confirm_bulk(actor=fresh(personas.alice), case_ids=large, note=DETERMINATION)
    # Only SQLite's insert batches differ (its 999-variable limit: audit events 99 rows a batch, target
    # marks ~166); PostgreSQL inserts each in one statement.
    extra_batches = 3 if connection.vendor == "sqlite" else 0
    assert len(many.captured_queries) <= len(ten.captured_queries) + extra_batches


def test_bulk_dismissal_records_the_reason_on_every_case(personas: Personas) -> None:
    ids = nominate_all(personas, roster(personas.carl_cadre.unit, 5, "D"))
    services.cases_dismiss_bulk(actor=personas.alice, case_ids=ids, reason="经核实系借调人员，不纳入")
    cases = RectificationCase.objects.filter(pk__in=ids)
    assert set(cases.values_list("state", flat=True)) == {CaseState.DISMISSED}
    assert set(cases.values_list("dismissal_reason", flat=True)) == {"经核实系借调人员，不纳入"}
    assert AuditEvent.objects.filter(action="case.dismiss").count() == 5


def test_a_bulk_action_is_all_or_nothing_and_names_the_cases_that_are_not_nominated(personas: Personas) -> None:
    ids = nominate_all(personas, roster(personas.carl_cadre.unit, 3, "A"))
    services.case_confirm(actor=personas.alice, case=RectificationCase.objects.get(pk=ids[1]), note=DETERMINATION)
    with pytest.raises(InvalidTransition) as error:
        services.cases_dismiss_bulk(actor=personas.alice, case_ids=ids, reason="理由")
    assert f"#{ids[1]}" in error.value.message
    assert RectificationCase.objects.get(pk=ids[0]).state == CaseState.NOMINATED
    assert not AuditEvent.objects.filter(action="case.dismiss").exists()


def test_a_bulk_action_including_a_case_outside_the_subtree_is_refused_whole(personas: Personas) -> None:
    ours = nominated(personas)
    theirs = nominated(personas, cadre=personas.bella_cadre)
    with pytest.raises(PermissionDenied):
        services.cases_confirm_bulk(actor=personas.alice, case_ids=[ours.pk, theirs.pk], note=DETERMINATION)
    ours.refresh_from_db()
    assert ours.state == CaseState.NOMINATED


def test_a_bulk_action_needs_cases_and_a_text(personas: Personas) -> None:
    case = nominated(personas)
    with pytest.raises(ValidationError):
        services.cases_confirm_bulk(actor=personas.alice, case_ids=[], note=DETERMINATION)
    with pytest.raises(ValidationError):
        services.cases_confirm_bulk(actor=personas.alice, case_ids=[case.pk], note="")


def test_a_bulk_action_on_a_case_that_does_not_exist_is_refused(personas: Personas) -> None:
    case = nominated(personas)
    with pytest.raises(InvalidTransition) as error:
        services.cases_confirm_bulk(actor=personas.alice, case_ids=[case.pk, case.pk + 1000], note=DETERMINATION)
    assert error.value.code == "missing"
