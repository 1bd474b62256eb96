"""Shared fixtures: role personas in a small fictional organization, and service availability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import TransactionTestCase

from project.audit.maintenance import allow_audit_flush
from project.org.models import Cadre, Role, Unit, User
from project.org.services import role_grant, unit_create

_original_teardown = TransactionTestCase._fixture_teardown


def _teardown_allowing_audit_flush(self: TransactionTestCase) -> None:
    # Flushing the test database deletes audit rows; the append-only trigger allows that only here.
    with allow_audit_flush():
        _original_teardown(self)


TransactionTestCase._fixture_teardown = _teardown_allowing_audit_flush  # type: ignore[method-assign]

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Org:
    """A city with two districts; district A has a bureau with two sections."""

    city: Unit
    district_a: Unit
    bureau: Unit
    section_1: Unit
    section_2: Unit
    district_b: Unit
    b_office: Unit


@pytest.fixture
def org(db: None) -> Org:
    city = unit_create(actor=None, name="示范市", code="CITY")
    district_a = unit_create(actor=None, name="东城区", code="A", parent=city)
    bureau = unit_create(actor=None, name="东城区发展和改革局", code="A-DRC", parent=district_a)
    section_1 = unit_create(actor=None, name="综合科", code="A-DRC-1", parent=bureau)
    section_2 = unit_create(actor=None, name="投资科", code="A-DRC-2", parent=bureau)
    district_b = unit_create(actor=None, name="西城区", code="B", parent=city)
    b_office = unit_create(actor=None, name="西城区政务服务中心", code="B-GOV", parent=district_b)
    return Org(city, district_a, bureau, section_1, section_2, district_b, b_office)


def make_user(username: str, display_name: str = "") -> User:
    return User.objects.create_user(username=username, password=PASSWORD, display_name=display_name or username)


def make_cadre(unit: Unit, external_id: str, name: str, user: User | None = None, post: str = "科员") -> Cadre:
    return Cadre.objects.create(
        external_id=external_id,
        name=name,
        gender="M",
        birth_date=date(1980, 5, 17),
        unit=unit,
        post=post,
        rank="一级科员",
        user=user,
    )


@dataclass
class Personas:
    anonymous: None
    alice: User  # org_admin of district A
    leo: User  # leader of the bureau in district A
    ivy: User  # inspector in district A
    rita: User  # reviewer in district A
    rob: User  # second reviewer in district A
    audrey: User  # auditor of district A
    carl: User  # a cadre of section 1, no role
    oscar: User  # org_admin of district B: an outsider to district A
    carl_cadre: Cadre
    dora_cadre: Cadre  # a colleague of carl's, no account
    bella_cadre: Cadre  # a cadre of district B


@pytest.fixture
def personas(org: Org) -> Personas:
    alice = make_user("alice", "王丽")
    leo = make_user("leo", "李强")
    ivy = make_user("ivy", "张燕")
    rita = make_user("rita", "赵敏")
    rob = make_user("rob", "钱斌")
    audrey = make_user("audrey", "孙悦")
    carl = make_user("carl", "陈刚")
    oscar = make_user("oscar", "周涛")
    role_grant(actor=None, user=alice, role=Role.ORG_ADMIN, unit=org.district_a)
    role_grant(actor=None, user=leo, role=Role.LEADER, unit=org.bureau)
    role_grant(actor=None, user=ivy, role=Role.INSPECTOR, unit=org.district_a)
    role_grant(actor=None, user=rita, role=Role.REVIEWER, unit=org.district_a)
    role_grant(actor=None, user=rob, role=Role.REVIEWER, unit=org.district_a)
    role_grant(actor=None, user=audrey, role=Role.AUDITOR, unit=org.district_a)
    role_grant(actor=None, user=oscar, role=Role.ORG_ADMIN, unit=org.district_b)
    make_cadre(org.bureau, "A-0001", "李强", user=leo, post="副局长")
    carl_cadre = make_cadre(org.section_1, "A-0002", "陈刚", user=carl)
    dora_cadre = make_cadre(org.section_1, "A-0003", "刘芳")
    bella_cadre = make_cadre(org.b_office, "B-0001", "黄蓓")
    return Personas(None, alice, leo, ivy, rita, rob, audrey, carl, oscar, carl_cadre, dora_cadre, bella_cadre)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # PBKDF2's deliberate slowness costs ~0.3 s per persona; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
