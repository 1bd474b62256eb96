"""The main menu: the same on every page, each role's links (those of its home page), the current page marked."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Personas

pytestmark = pytest.mark.django_db

EVERYONE = ["home", "cases:rectification:notifications"]
MENUS = {
    "alice": [
        "home",
        "evaluations:round_list",
        "cases:rectification:list",
        "cases:rectification:circular_list",
        "cases:matters:list",
        "cases:matters:prereg_list",
        "org:cadre_list",
        "cases:rectification:dashboard",
        "cases:rectification:notifications",
    ],
    "leo": ["home", "evaluations:my_evaluations", "cases:rectification:my_talks", "cases:rectification:notifications"],
    "ivy": ["home", "cases:rectification:my_visits", "cases:rectification:notifications"],
    "rita": ["home", "cases:matters:list", "cases:rectification:notifications"],
    "audrey": [
        "home",
        "evaluations:round_list",
        "cases:rectification:list",
        "cases:rectification:circular_list",
        "cases:matters:list",
        "cases:rectification:dashboard",
        "audit:event_list",
        "cases:rectification:notifications",
    ],
    "carl": EVERYONE,
}
# A page of each part of the site: the menu does not change from one to the other.
PAGES = ["home", "evaluations:my_evaluations", "cases:rectification:notifications", "cases:matters:prereg_list"]


def menu(client: Client, name: str) -> tuple[list[str], list[str]]:
    """The menu's link targets, and the one marked as the current page."""
    html = client.get(reverse(name)).content.decode()
    nav = html.split('<ul class="navbar-nav', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', nav)
    current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
    return links, current


@pytest.mark.parametrize("persona", list(MENUS))
def test_each_role_has_its_menu_on_every_page_with_the_current_page_marked(
    client: Client, personas: Personas, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    expected = [reverse(name) for name in MENUS[persona]]
    for page in PAGES:
        links, current = menu(client, page)
        assert links == expected, page
        assert current == ([reverse(page)] if reverse(page) in expected else []), page


def test_someone_signed_out_gets_no_menu(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()
    nav = html.split('<ul class="navbar-nav', 1)[1].split("</ul>", 1)[0]
    assert "nav-link" not in nav
