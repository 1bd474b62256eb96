from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from project.audit.models import AuditEvent
from project.audit.services import audit_log_read, audit_record
from project.audit.verify import verify_chain
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_each_event_links_to_the_one_before(personas: Personas) -> None:
    first = audit_record(actor=personas.alice, action="test.first", summary="one")
    second = audit_record(actor=personas.alice, action="test.second", summary="two", data={"键": "值"})
    assert second.prev_hash == first.hash
    assert verify_chain().ok


def test_an_event_rolls_back_with_the_change_it_records(personas: Personas) -> None:
    before = AuditEvent.objects.count()

    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=personas.alice, action="test.doomed", summary="will roll back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert AuditEvent.objects.count() == before


def test_the_database_refuses_to_update_an_event(personas: Personas) -> None:
    event = audit_record(actor=personas.alice, action="test.x", summary="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    event.refresh_from_db()
    assert event.summary == "original"


def test_the_database_refuses_to_delete_an_event(personas: Personas) -> None:
    event = audit_record(actor=personas.alice, action="test.x", summary="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def _forge_summary(event_id: int, summary: str) -> None:
    """What a database administrator could do: drop the trigger, edit, restore the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("UPDATE audit_auditevent SET summary = %s WHERE id = %s", [summary, event_id])
            cursor.execute(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;"
            )
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("UPDATE audit_auditevent SET summary = %s WHERE id = %s", [summary, event_id])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_verify_audit_reports_the_first_tampered_event(personas: Personas) -> None:
    events = [audit_record(actor=personas.alice, action="test.x", summary=f"event {i}") for i in range(5)]
    _forge_summary(events[2].pk, "nothing happened here")

    report = verify_chain()

    assert not report.ok
    assert report.broken_at == events[2].pk
    with pytest.raises(CommandError, match=f"broken at event {events[2].pk}"):
        call_command("verify_audit")


def test_verify_audit_says_how_many_events_it_checked(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    total = AuditEvent.objects.count()
    call_command("verify_audit")
    assert f"{total} events verified" in capsys.readouterr().out


def test_a_read_is_logged_with_the_reader_and_the_object(personas: Personas) -> None:
    event = audit_log_read(actor=personas.audrey, obj=personas.carl_cadre, what="peer comments")
    assert event.action == "read"
    assert event.actor == personas.audrey
    assert event.object_type == "org.cadre"
    assert event.object_id == str(personas.carl_cadre.pk)
    assert "peer comments" in event.summary


def test_a_summary_longer_than_the_column_still_verifies(personas: Personas) -> None:
    audit_record(actor=personas.alice, action="test.long", summary="长" * 800)
    assert verify_chain().ok


def test_many_events_appended_at_once_form_one_chain(personas: Personas) -> None:
    from project.audit.services import AuditEntry, audit_record_many

    before = audit_record(actor=personas.alice, action="test.before", summary="before")
    events = audit_record_many(
        actor=personas.alice,
        action="test.bulk",
        entries=[AuditEntry(f"item {i}", personas.carl_cadre, {"i": i}) for i in range(5)],
    )
    assert events[0].prev_hash == before.hash
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert verify_chain().ok
