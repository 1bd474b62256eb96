"""The database refusing a write in the middle of a service leaves no audit event behind.

`role_revoke` writes its audit event first and deletes the grant after; a trigger makes the database
refuse that DELETE (SQLite and PostgreSQL: the test runs in both passes of the suite). The service's
transaction is the outermost one here (transactional tests), so this is the real rollback a production
request gets, not a test savepoint.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection

from project.audit.models import AuditEvent
from project.audit.verify import verify_chain
from project.org.models import Role, RoleGrant
from project.org.services import role_grant, role_revoke
from tests.conftest import Org, Personas

_TRIGGERS = {
    "sqlite": (
        [
            "CREATE TRIGGER ops_refuse_grant_delete BEFORE DELETE ON org_rolegrant "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ],
        ["DROP TRIGGER IF EXISTS ops_refuse_grant_delete"],
    ),
    "postgresql": (
        [
            "CREATE FUNCTION ops_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER ops_refuse_grant_delete BEFORE DELETE ON org_rolegrant "
            "FOR EACH ROW EXECUTE FUNCTION ops_refuse()",
        ],
        ["DROP TRIGGER IF EXISTS ops_refuse_grant_delete ON org_rolegrant", "DROP FUNCTION IF EXISTS ops_refuse()"],
    ),
}


@pytest.fixture
def refusing_grant_deletes(transactional_db: None) -> Iterator[None]:
    create, drop = _TRIGGERS[connection.vendor]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    yield
    # Before the test database is flushed, which deletes grants.
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)


def _revoke_refused_by_the_database(grant: RoleGrant, personas: Personas) -> None:
    events_before = list(AuditEvent.objects.order_by("id").values_list("id", "hash"))

    with pytest.raises(DatabaseError, match="refused by the test"):
        role_revoke(actor=personas.alice, grant=grant)

    assert list(AuditEvent.objects.order_by("id").values_list("id", "hash")) == events_before
    assert not AuditEvent.objects.filter(action="role.revoke").exists()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_refused_delete_after_the_audit_event_rolls_the_event_back(
    org: Org, personas: Personas, refusing_grant_deletes: None
) -> None:
    grant = role_grant(actor=personas.alice, user=personas.carl, role=Role.INSPECTOR, unit=org.section_1)

    _revoke_refused_by_the_database(grant, personas)

    # The chain goes on from the last committed event: the next write links to it and verifies.
    role_grant(actor=personas.alice, user=personas.carl, role=Role.REVIEWER, unit=org.section_1)
    assert verify_chain().ok
