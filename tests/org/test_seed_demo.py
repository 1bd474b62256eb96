"""The demo city: deterministic, idempotent, plausible, and every persona can log in."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.http import HttpRequest
from django.test import Client

from project.audit.models import AuditEvent
from project.org.demo import demo_plan
from project.org.models import Cadre, Role, RoleGrant, Unit, User

pytestmark = pytest.mark.django_db

LOGINS = {
    "zuzhi": Role.ORG_ADMIN,
    "lingdao": Role.LEADER,
    "ancha": Role.INSPECTOR,
    "shencha1": Role.REVIEWER,
    "shencha2": Role.REVIEWER,
    "shenji": Role.AUDITOR,
    "ganbu": "",
    "waiqu": Role.ORG_ADMIN,
}


def roster_digest() -> str:
    rows = Cadre.objects.order_by("external_id").values_list(
        "external_id", "name", "gender", "birth_date", "unit__code", "post", "rank"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def seed(*args: str) -> None:
    call_command("seed_demo", "--allow-production", *args, stdout=io.StringIO())


def seeded_in_a_fresh_database(seed_value: int) -> str:
    """Seed inside a transaction that is then rolled back, so that each run starts from the same empty state."""
    with transaction.atomic():
        seed("--seed", str(seed_value))
        digest = roster_digest()
        transaction.set_rollback(True)
    return digest


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "cadres": Cadre.objects.count(),
        "users": User.objects.count(),
        "grants": RoleGrant.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_the_same_seed_gives_the_same_city() -> None:
    first = seeded_in_a_fresh_database(7)
    second = seeded_in_a_fresh_database(7)

    assert first == second
    assert not Cadre.objects.exists()


def test_a_different_seed_gives_different_people() -> None:
    assert demo_plan(7).digest() == demo_plan(7).digest()
    assert demo_plan(7).digest() != demo_plan(8).digest()
    assert seeded_in_a_fresh_database(7) != seeded_in_a_fresh_database(8)


def test_the_seed_does_not_touch_the_global_random_generator() -> None:
    import random

    random.seed(1)
    expected = random.random()
    random.seed(1)
    demo_plan(3)
    assert random.random() == expected


def test_a_second_run_creates_nothing() -> None:
    seed()
    before = counts()

    seed()
    seed("--seed", "99")

    assert counts() == before


def test_the_city_has_about_forty_units_and_six_hundred_cadres() -> None:
    seed()

    assert 36 <= Unit.objects.count() <= 44
    assert 560 <= Cadre.objects.count() <= 640
    assert Unit.objects.filter(depth=2, parent__code="SF").exclude(code="SF-ZZB").count() in (3, 4)


def test_the_cadres_look_like_a_plausible_roster() -> None:
    plan = demo_plan(5)

    assert {cadre.gender for cadre in plan.cadres} == {"M", "F"}
    assert all(1965 <= cadre.birth_date.year <= 1998 for cadre in plan.cadres)
    assert all(2 <= len(cadre.name) <= 3 for cadre in plan.cadres)
    assert len({cadre.external_id for cadre in plan.cadres}) == len(plan.cadres)
    posts = {(cadre.unit_code.rsplit("-", 1)[-1], cadre.post) for cadre in plan.cadres}
    assert ("FGJ", "局长") in posts
    assert ("QSZ", "镇长") in posts
    assert ("XSJD", "党工委书记") in posts


def test_the_seeding_is_recorded_by_one_demo_event_besides_the_units_and_grants() -> None:
    seed()

    assert AuditEvent.objects.filter(action="demo.seed").count() == 1
    assert AuditEvent.objects.filter(action="unit.create").count() == Unit.objects.count()
    assert AuditEvent.objects.filter(action="role.grant").count() == RoleGrant.objects.count()


def test_each_persona_holds_their_role_where_expected() -> None:
    seed()

    for username, role in LOGINS.items():
        grants = set(RoleGrant.objects.filter(user__username=username).values_list("role", "unit__code"))
        if role:
            assert {granted for granted, _unit in grants} == {role}, username
        else:
            assert grants == set(), username
    outsider, insider = (RoleGrant.objects.get(user__username=name).unit for name in ("waiqu", "zuzhi"))
    assert not outsider.is_within(insider)
    assert not insider.is_within(outsider)


def test_the_leader_is_a_cadre_of_the_bureau_they_lead() -> None:
    seed()
    leader = User.objects.get(username="lingdao")

    grant = RoleGrant.objects.get(user=leader, role=Role.LEADER)
    assert leader.cadre.unit == grant.unit  # type: ignore[attr-defined]
    assert leader.cadre.post == "副局长"  # type: ignore[attr-defined]


def test_the_cadre_persona_is_linked_to_their_record_and_sees_only_themself() -> None:
    seed()
    ganbu = User.objects.get(username="ganbu")

    assert list(Cadre.objects.visible_to(ganbu)) == [ganbu.cadre]  # type: ignore[attr-defined]


def test_the_outsider_sees_nothing_of_the_first_district() -> None:
    seed()
    waiqu = User.objects.get(username="waiqu")

    assert not Cadre.objects.visible_to(waiqu).filter(unit__path__startswith=Unit.objects.get(code="SF-DH").path)


def test_every_persona_can_log_in_and_open_their_home_page_in_both_languages() -> None:
    seed()
    passwords = {persona.username: persona.password for persona in demo_plan().personas}
    assert set(passwords) == set(LOGINS)

    for username, password in passwords.items():
        client = Client()
        # django-axes needs the request that Client.login doesn't pass on its own.
        assert client.login(request=HttpRequest(), username=username, password=password), username
        for language in ("zh-hans", "en"):
            response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (username, language)
            served = response.wsgi_request.LANGUAGE_CODE
            assert served == language


def test_the_logins_are_printed_in_debug_mode(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.DEBUG = True

    call_command("seed_demo", "--print-logins")

    out = capsys.readouterr().out
    for persona in demo_plan().personas:
        assert persona.username in out
        assert persona.password in out


def test_the_logins_are_not_printed_outside_debug_mode(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.DEBUG = False

    call_command("seed_demo", "--print-logins", "--allow-production")

    out = capsys.readouterr().out
    assert "Passwords are not printed outside debug mode" in out
    assert all(persona.password not in out for persona in demo_plan().personas)


def test_it_refuses_to_seed_outside_debug_mode_unless_told(settings: Any) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="debug mode only"):
        call_command("seed_demo")

    assert not Cadre.objects.exists()
