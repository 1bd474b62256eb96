"""A published evaluation round in the demo city (`manage.py seed_demo_round`, run by `make demo`), so that a
first look at the application shows results, candidates with their reasons and nominated cases, not empty lists.

Everything goes through the services, as people would: the org admin `zuzhi` creates and opens a round over
东湖区, every peer ballot is filled in (a few cadres genuinely lying flat, drawn from the seed), the leader and the
cadre with an account rate, and the round is closed, identified and published — which nominates its candidates
as cases. Idempotent: a second run finds the round and does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from evaluations.identification import round_identify
from evaluations.models import EvaluationRound, IdentifiedRating, Manifestation, Relation
from evaluations.services import (
    RatingInput,
    ballot_submit,
    identified_rating_submit,
    round_close,
    round_create,
    round_open,
    round_publish,
)
from evaluations.synthetic import clip_answer, sheet_grade
from project.org.models import Cadre, Unit, User

DEMO_SCOPE = "SF-DH"  # 东湖区 (project/org/demo.py)
DEMO_ADMIN = "zuzhi"
DEMO_TITLE = "2026年上半年东湖区干部作风测评（示范）"
LYING_FLAT_SHARE = 0.06
# The demo leader `lingdao` leads this bureau: a few of the cadres lying flat are drawn from it, so that a first
# look can follow a case on from its nomination (a leader in charge is assigned, talks are held). The others'
# units have no leader with an account, which their case pages explain.
DEMO_LEADER_UNIT = "SF-DH-FGJ"
LYING_FLAT_UNDER_THE_DEMO_LEADER = 3


@dataclass(frozen=True)
class DemoRound:
    round: EvaluationRound
    created: bool
    ballots: int = 0
    lying_flat: int = 0


class DemoCityMissing(Exception):
    """The demo city (`manage.py seed_demo`) is not there."""


def _rating(rng: random.Random, subject_id: int, lying_flat: set[int], items: list[int]) -> RatingInput:
    """Answers around "often" for a cadre lying flat and around "rarely" otherwise, graded as seed_round does."""
    centre = 2.9 if subject_id in lying_flat else 0.7
    values = [clip_answer(rng.gauss(centre, 0.8)) for _ in items]
    grade = sheet_grade(rng, sum(values) / len(values))
    return RatingInput(subject_id=subject_id, grade=grade, scores=dict(zip(items, values, strict=True)))


def seed_demo_round(*, seed: int = 2024) -> DemoRound:
    scope = Unit.objects.filter(code=DEMO_SCOPE).first()
    admin = User.objects.filter(username=DEMO_ADMIN).first()
    if scope is None or admin is None:
        raise DemoCityMissing
    existing = EvaluationRound.objects.filter(scope=scope, title=DEMO_TITLE).first()
    if existing is not None:
        return DemoRound(existing, created=False)
    rng = random.Random(seed)
    evaluation = round_create(
        actor=admin, title=DEMO_TITLE, scope=scope, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
    )
    opened = round_open(actor=admin, round=evaluation)
    items = list(Manifestation.objects.filter(round=evaluation).order_by("order").values_list("pk", flat=True))
    cadres = sorted(Cadre.objects.filter(unit__path__startswith=scope.path).values_list("pk", flat=True))
    led = Unit.objects.filter(code=DEMO_LEADER_UNIT).values_list("path", flat=True).first() or "-"
    # In the leader's bureau and its sections; not the personas (their own pages stay as the demo describes them).
    in_led_units = sorted(
        Cadre.objects.filter(unit__path__startswith=led, user__isnull=True).values_list("pk", flat=True)
    )
    wanted = max(1, round(len(cadres) * LYING_FLAT_SHARE))
    lying_flat = set(rng.sample(in_led_units, min(LYING_FLAT_UNDER_THE_DEMO_LEADER, len(in_led_units))))
    lying_flat |= set(rng.sample([pk for pk in cadres if pk not in lying_flat], wanted - len(lying_flat)))
    for ballot in opened.tokens:
        ballot_submit(token=ballot.token, ratings=[_rating(rng, pk, lying_flat, items) for pk in ballot.subject_ids])
    for rating in IdentifiedRating.objects.filter(round=evaluation).select_related("subject__user", "rater"):
        rater = rating.rater if rating.relation == Relation.LEADER else rating.subject.user
        if rater is not None:
            identified_rating_submit(
                actor=rater, rating=rating, data=_rating(rng, rating.subject_id, lying_flat, items)
            )
    round_close(actor=admin, round=evaluation)
    round_identify(actor=admin, round=evaluation, inline=True)
    round_publish(actor=admin, round=evaluation)
    evaluation.refresh_from_db()
    return DemoRound(evaluation, created=True, ballots=len(opened.tokens), lying_flat=len(lying_flat))
