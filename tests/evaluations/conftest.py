"""Fixtures for evaluations: rounds built through the services, and complete rating inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from django.test import Client

from evaluations.models import EvaluationRound, Grade, Manifestation
from evaluations.services import OpenedRound, RatingInput, RoundOptions, round_create, round_open
from project.org.models import Cadre, Unit, User
from tests.conftest import Org, Personas, make_cadre
from tests.fixtures import _plain_static_storage  # noqa: F401 (autouse fixtures)


@pytest.fixture
def en_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def create_round(
    actor: User, scope: Unit, title: str = "2026年度躺平式干部测评", options: RoundOptions | None = None
) -> EvaluationRound:
    return round_create(
        actor=actor,
        title=title,
        scope=scope,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        options=options,
    )


@pytest.fixture
def draft_round(org: Org, personas: Personas) -> EvaluationRound:
    """A district A round by alice: leo (bureau), carl and dora (section 1) are its cadres."""
    return create_round(personas.alice, org.district_a)


@pytest.fixture
def opened(draft_round: EvaluationRound, personas: Personas) -> OpenedRound:
    return round_open(actor=personas.alice, round=draft_round)


def manifestation_ids(round: EvaluationRound) -> list[int]:
    return list(Manifestation.objects.filter(round=round).order_by("order").values_list("pk", flat=True))


def ratings_for(
    subject_ids: Iterable[int], round: EvaluationRound, value: int = 1, grade: str = Grade.COMPETENT, comment: str = ""
) -> list[RatingInput]:
    items = manifestation_ids(round)
    return [
        RatingInput(subject_id=sid, grade=grade, scores=dict.fromkeys(items, value), comment=comment)
        for sid in subject_ids
    ]


def sheet_post_data(
    subject_ids: Iterable[int], round: EvaluationRound, value: int = 2, grade: str = "competent"
) -> dict[str, str]:
    """What the browser sends for a complete sheet."""
    data: dict[str, str] = {}
    for sid in subject_ids:
        for mid in manifestation_ids(round):
            data[f"s{sid}-m{mid}"] = str(value)
        data[f"s{sid}-grade"] = grade
        data[f"s{sid}-comment"] = ""
    return data


def populate(unit: Unit, count: int, prefix: str) -> list[Cadre]:
    return [make_cadre(unit, f"{prefix}-{i:03d}", f"干部{prefix}{i:03d}") for i in range(count)]
