"""The org admin writes through the services, so units get their paths and every change is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from project.audit.models import AuditEvent
from project.org.models import Cadre, Role, RoleGrant, Unit, User
from tests.conftest import Org, Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, org: Org) -> Client:
    root = User.objects.create_superuser(username="root", password="unused-password-123")
    client.force_login(root)
    return client


def test_adding_a_unit_gives_it_the_next_path_under_its_parent(admin_client: Client, org: Org) -> None:
    response = admin_client.post(
        reverse("admin:org_unit_add"), {"name": "规划科", "code": "A-DRC-3", "parent": org.bureau.pk}
    )

    assert response.status_code == 302
    unit = Unit.objects.get(code="A-DRC-3")
    assert unit.path.startswith(org.bureau.path)
    assert unit.depth == org.bureau.depth + 1
    assert unit in Unit.objects.subtree_of(org.bureau)
    assert AuditEvent.objects.for_object(unit).get().action == "unit.create"


def test_a_unit_can_be_renamed_but_not_moved(admin_client: Client, org: Org) -> None:
    url = reverse("admin:org_unit_change", args=[org.section_1.pk])

    admin_client.post(url, {"name": "综合办公室", "code": "HACK", "parent": org.district_b.pk})

    unit = Unit.objects.get(pk=org.section_1.pk)
    assert (unit.name, unit.code, unit.parent, unit.path) == ("综合办公室", "A-DRC-1", org.bureau, org.section_1.path)
    assert AuditEvent.objects.for_object(unit).latest("id").action == "unit.rename"


def test_units_and_cadres_cannot_be_deleted_from_the_admin(admin_client: Client, personas: Personas) -> None:
    assert admin_client.get(reverse("admin:org_unit_delete", args=[personas.carl_cadre.unit.pk])).status_code == 403
    assert admin_client.get(reverse("admin:org_cadre_delete", args=[personas.carl_cadre.pk])).status_code == 403


def test_a_role_granted_in_the_admin_is_audited(admin_client: Client, personas: Personas, org: Org) -> None:
    admin_client.post(
        reverse("admin:org_rolegrant_add"), {"user": personas.carl.pk, "role": Role.AUDITOR, "unit": org.bureau.pk}
    )

    grant = RoleGrant.objects.get(user=personas.carl, role=Role.AUDITOR)
    assert AuditEvent.objects.for_object(grant).get().action == "role.grant"


def test_a_role_revoked_in_the_admin_is_audited(admin_client: Client, personas: Personas) -> None:
    grant = RoleGrant.objects.get(user=personas.leo, role=Role.LEADER)

    admin_client.post(reverse("admin:org_rolegrant_delete", args=[grant.pk]), {"post": "yes"})

    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(grant.pk)).exists()


def test_a_cadre_corrected_in_the_admin_is_audited_with_the_fields_changed(
    admin_client: Client, personas: Personas
) -> None:
    cadre = personas.dora_cadre
    admin_client.post(
        reverse("admin:org_cadre_change", args=[cadre.pk]),
        {
            "external_id": cadre.external_id,
            "name": cadre.name,
            "gender": cadre.gender,
            "birth_date": "1980-05-17",
            "unit": cadre.unit.pk,
            "post": "副科长",
            "rank": cadre.rank,
            "user": "",
            "active": "on",
        },
    )

    assert Cadre.objects.get(pk=cadre.pk).post == "副科长"
    event = AuditEvent.objects.for_object(cadre).get()
    assert (event.action, event.data["fields"]) == ("cadre.update", ["post"])


def test_the_admin_lists_open_for_a_superuser(admin_client: Client, personas: Personas) -> None:
    for name in ("unit", "cadre", "rolegrant", "cadremark"):
        response = admin_client.get(reverse(f"admin:org_{name}_changelist"), {"q": "A"})
        assert response.status_code == 200, name


def test_cadre_marks_are_read_only_in_the_admin(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:org_cadremark_add")).status_code == 403
