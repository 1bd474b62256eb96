"""The unit tree (materialized paths) and who sees which units and cadres."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from project.org.models import Cadre, Role, Unit
from project.org.permissions import is_org_admin
from project.org.services import role_grant, unit_create
from tests.conftest import Org, Personas, make_cadre, make_user

pytestmark = pytest.mark.django_db


def codes(units: object) -> set[str]:
    return {unit.code for unit in units}  # type: ignore[attr-defined]


def external_ids(cadres: object) -> set[str]:
    return {cadre.external_id for cadre in cadres}  # type: ignore[attr-defined]


# --- The tree --------------------------------------------------------------------------------------


def test_a_subtree_holds_the_unit_and_everything_below_it(org: Org) -> None:
    assert codes(Unit.objects.subtree_of(org.bureau)) == {"A-DRC", "A-DRC-1", "A-DRC-2"}


def test_a_subtree_leaves_out_siblings_and_ancestors(org: Org) -> None:
    subtree = codes(Unit.objects.subtree_of(org.district_a))

    assert "B" not in subtree
    assert "B-GOV" not in subtree
    assert "CITY" not in subtree


def test_a_child_path_extends_its_parent_path_by_one_step(org: Org) -> None:
    assert org.section_1.path.startswith(org.bureau.path)
    assert len(org.section_1.path) == len(org.bureau.path) + 4
    assert (org.city.depth, org.bureau.depth, org.section_1.depth) == (1, 3, 4)
    assert org.section_1.path != org.section_2.path


def test_a_unit_knows_whether_it_lies_within_another(org: Org) -> None:
    assert org.section_1.is_within(org.district_a)
    assert not org.section_1.is_within(org.district_b)


def test_a_unit_added_later_lands_in_the_subtree_of_its_parent(org: Org) -> None:
    late = unit_create(actor=None, name="规划科", code="A-DRC-3", parent=org.bureau)

    assert late in Unit.objects.subtree_of(org.bureau)
    assert late not in Unit.objects.subtree_of(org.section_2)


def test_cadres_of_a_subtree_are_found_by_their_units_path(personas: Personas, org: Org) -> None:
    assert external_ids(Cadre.objects.in_subtree(org.bureau)) == {"A-0001", "A-0002", "A-0003"}


def test_a_unit_lies_at_most_63_levels_deep(org: Org) -> None:
    parent = org.section_1  # level 4
    for level in range(5, 64):
        parent = unit_create(actor=None, name=f"第{level}层", code=f"L{level}", parent=parent)
    assert parent.depth == 63
    with pytest.raises(ValidationError) as refused:
        unit_create(actor=None, name="第64层", code="L64", parent=parent)
    assert list(refused.value.message_dict) == ["parent"]
    assert not Unit.objects.filter(code="L64").exists()


# --- Who sees which units --------------------------------------------------------------------------


def test_an_org_admin_sees_the_units_of_their_subtree_only(personas: Personas) -> None:
    assert codes(Unit.objects.visible_to(personas.alice)) == {"A", "A-DRC", "A-DRC-1", "A-DRC-2"}


def test_an_outsider_sees_nothing_of_district_a(personas: Personas, org: Org) -> None:
    visible = Unit.objects.visible_to(personas.oscar)

    assert codes(visible) == {"B", "B-GOV"}
    assert not visible.filter(pk__in=Unit.objects.subtree_of(org.district_a)).exists()


def test_an_auditor_sees_the_units_of_their_subtree(personas: Personas) -> None:
    assert codes(Unit.objects.visible_to(personas.audrey)) == {"A", "A-DRC", "A-DRC-1", "A-DRC-2"}


def test_a_cadre_without_a_role_sees_only_their_own_unit(personas: Personas) -> None:
    assert codes(Unit.objects.visible_to(personas.carl)) == {"A-DRC-1"}


def test_an_anonymous_visitor_sees_no_unit(personas: Personas) -> None:
    assert not Unit.objects.visible_to(AnonymousUser()).exists()


def test_someone_with_roles_over_two_subtrees_sees_both(personas: Personas, org: Org) -> None:
    role_grant(actor=None, user=personas.alice, role=Role.AUDITOR, unit=org.b_office)

    assert "B-GOV" in codes(Unit.objects.visible_to(personas.alice))
    assert "B" not in codes(Unit.objects.visible_to(personas.alice))


# --- Who sees which cadres -------------------------------------------------------------------------


def test_an_org_admin_sees_the_cadres_of_their_subtree_only(personas: Personas) -> None:
    assert external_ids(Cadre.objects.visible_to(personas.alice)) == {"A-0001", "A-0002", "A-0003"}


def test_an_outsider_sees_no_cadre_of_district_a(personas: Personas) -> None:
    assert external_ids(Cadre.objects.visible_to(personas.oscar)) == {"B-0001"}


def test_a_cadre_sees_only_themself(personas: Personas) -> None:
    assert list(Cadre.objects.visible_to(personas.carl)) == [personas.carl_cadre]


def test_an_auditor_sees_the_cadres_of_their_subtree(personas: Personas) -> None:
    assert external_ids(Cadre.objects.visible_to(personas.audrey)) == {"A-0001", "A-0002", "A-0003"}


def test_a_leader_sees_the_cadres_of_the_units_they_lead(personas: Personas, org: Org) -> None:
    make_cadre(org.district_a, "A-0100", "区里的人")

    assert external_ids(Cadre.objects.visible_to(personas.leo)) == {"A-0001", "A-0002", "A-0003"}


def test_an_inspector_does_not_see_the_roster(personas: Personas) -> None:
    assert not Cadre.objects.visible_to(personas.ivy).exists()


def test_a_user_with_neither_role_nor_cadre_sees_no_cadre(personas: Personas) -> None:
    assert not Cadre.objects.visible_to(make_user("nobody")).exists()


def test_an_anonymous_visitor_sees_no_cadre(personas: Personas) -> None:
    assert not Cadre.objects.visible_to(AnonymousUser()).exists()


# --- The organization department -------------------------------------------------------------------


def test_the_organization_department_is_so_over_its_subtree_only(org: Org, personas: Personas) -> None:
    assert is_org_admin(personas.alice, org.section_1)
    assert is_org_admin(personas.alice, org.district_a)
    assert not is_org_admin(personas.alice, org.city)
    assert not is_org_admin(personas.alice, org.b_office)
    assert is_org_admin(personas.oscar, org.b_office)


def test_over_some_unit_means_any_grant_of_the_role(org: Org, personas: Personas) -> None:
    assert is_org_admin(personas.alice)
    assert is_org_admin(personas.oscar)
    for other_role in (personas.leo, personas.ivy, personas.rita, personas.audrey, personas.carl):
        assert not is_org_admin(other_role)
        assert not is_org_admin(other_role, org.section_1)
    assert not is_org_admin(AnonymousUser())


def test_a_superuser_counts_as_the_organization_department_everywhere(org: Org) -> None:
    root = make_user("root")
    root.is_superuser = True
    assert is_org_admin(root)
    assert is_org_admin(root, org.b_office)
