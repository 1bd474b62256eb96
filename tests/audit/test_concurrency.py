from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from project.audit.models import AuditEvent
from project.audit.services import audit_record
from project.audit.verify import verify_chain
from tests.services import require_postgres

WRITERS = 8
EVENTS_PER_WRITER = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    require_postgres()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_PER_WRITER):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", summary=f"writer {number} event {i}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == WRITERS * EVENTS_PER_WRITER
    report = verify_chain()
    assert report.ok, report
    # One chain: every previous-hash is used exactly once.
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == len(set(prev_hashes))
