"""Every URL of the project, for every persona, for objects inside and outside the persona's district,
checked against the one table in tests/permissions/matrix.py.

One test per (URL name, persona): it asks GET and POST (with no data) for district A's object and for
district B's, and compares each answer with the table (the method a view does not accept included).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.permissions.conftest import client_as
from tests.permissions.harness import Outcome, outcome_of, url_for, url_names
from tests.permissions.matrix import MATRIX, PERSONAS, Entry
from tests.permissions.world import World

# The admin site is covered by one rule (test_the_admin_site_lets_none_of_them_in), not row by row.
URL_NAMES = sorted({name for name, _route in url_names() if not name.startswith(("admin:", "<unnamed admin:"))})


@pytest.mark.parametrize("name", URL_NAMES)
def test_every_url_name_has_a_row_in_the_matrix(name: str) -> None:
    if name not in MATRIX:
        pytest.fail(f"{name} has no row in tests/permissions/matrix.py: declare who may see and do what there")


def test_every_row_of_the_matrix_names_a_url() -> None:
    stale = sorted(set(MATRIX) - set(URL_NAMES))
    assert not stale, f"rows for URL names that no longer exist: {stale}"


def _cases() -> list[Any]:
    names = sorted(set(MATRIX) & set(URL_NAMES))
    return [pytest.param(name, persona, id=f"{name}-{persona}") for name in names for persona in PERSONAS]


def _answers(world: World, name: str, entry: Entry, persona: str) -> list[tuple[str, Outcome | int, Outcome]]:
    client = client_as(world, persona)
    answers = []
    for side in ("A", "B") if entry.kwargs else ("-",):
        url = url_for(name, entry.kwargs(world, world.side(side)) if entry.kwargs else None)
        # GET first: a POST that is allowed changes the object (the test's savepoint undoes it afterwards).
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url)
            answers.append((f"{method} {url} ({side})", outcome_of(response), entry.expected(method, persona, side)))
    return answers


@pytest.mark.parametrize(("name", "persona"), _cases())
def test_the_answer_is_the_one_the_matrix_declares(world: World, db: None, name: str, persona: str) -> None:
    answers = _answers(world, name, MATRIX[name], persona)
    wrong = [f"{what}: got {got}, the matrix says {expected}" for what, got, expected in answers if got != expected]
    assert not wrong, f"{name} as {persona}:\n" + "\n".join(wrong)


def test_the_admin_site_lets_none_of_them_in(world: World, db: None) -> None:
    """Nobody in the world is staff: every persona is sent to the admin's own login page."""
    for persona in PERSONAS:
        response = client_as(world, persona).get(url_for("admin:index", None))
        assert outcome_of(response) == Outcome.LOGIN, persona
