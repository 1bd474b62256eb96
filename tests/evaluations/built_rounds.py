"""A small closed round built through the real services (round_open, ballot_submit, identified_rating_submit,
round_close), for the aggregate, identification and results tests.

District A (tests/conftest.py) with its cadres: 李强 (leo, bureau), carl and dora in section 1. Added here:
five colleagues of section 1 with accounts (so section 1 has 7: everyone rates everyone, ballots of 6) and
two cadres of section 2 (a peer group of 2: each gets one sheet, below k = 3, so withheld). Leo leads the
bureau and rates everyone below it. Dora lies flat: colleagues and leo see her often doing all five things.
One section-1 ballot is straight-lined (2 everywhere), one is never used, a few grades are unfavourable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from evaluations.models import EvaluationRound, Grade, IdentifiedRating, Relation
from evaluations.services import (
    OpenedRound,
    RatingInput,
    RoundOptions,
    ballot_submit,
    identified_rating_submit,
    round_close,
    round_open,
)
from project.org.models import Cadre, User
from tests.conftest import Org, Personas, make_cadre, make_user
from tests.evaluations.conftest import create_round, manifestation_ids


@dataclass
class BuiltRound:
    round: EvaluationRound
    opened: OpenedRound
    section_1: list[Cadre]  # carl, dora and five colleagues
    section_2: list[Cadre]  # two cadres: a peer group below k
    leo_cadre: Cadre
    dora: Cadre
    straight_lined_ballots: int


def add_colleagues(org: Org) -> tuple[list[Cadre], list[Cadre]]:
    """Five more cadres with accounts in section 1 and two in section 2."""
    section_1 = []
    for i in range(5):
        user = make_user(f"s1-{i}", f"同事{i}")
        section_1.append(make_cadre(org.section_1, f"A-01{i:02d}", f"同事{i}", user=user))
    section_2 = []
    for i in range(2):
        user = make_user(f"s2-{i}", f"投资{i}")
        section_2.append(make_cadre(org.section_2, f"A-02{i:02d}", f"投资{i}", user=user))
    return section_1, section_2


def _scores(round: EvaluationRound, values: list[int]) -> dict[int, int]:
    return dict(zip(manifestation_ids(round), values, strict=True))


def _sheet(rng: random.Random, round: EvaluationRound, subject: Cadre, dora: Cadre) -> RatingInput:
    if subject.pk == dora.pk:
        values = [rng.choice([3, 3, 4, 4, 2]) for _ in manifestation_ids(round)]
    else:
        values = [rng.choice([0, 0, 1, 1, 2]) for _ in manifestation_ids(round)]
    mean = sum(values) / len(values)
    grade = (
        Grade.INCOMPETENT
        if mean >= 3.4
        else Grade.BASIC
        if mean >= 2.4
        else rng.choice([Grade.EXCELLENT, Grade.COMPETENT, Grade.COMPETENT])
    )
    comment = "经常推诿，工作拖拉" if subject.pk == dora.pk and rng.random() < 0.5 else ""
    return RatingInput(subject_id=subject.pk, grade=grade, scores=_scores(round, values), comment=comment)


def build_closed_round(
    org: Org, personas: Personas, *, seed: int = 7, options: RoundOptions | None = None, close: bool = True
) -> BuiltRound:
    """Open, rate through the services, and close (see the module docstring)."""
    section_1, section_2 = add_colleagues(org)
    dora = personas.dora_cadre
    carl = personas.carl_cadre
    leo_cadre = Cadre.objects.get(user=personas.leo)
    round = create_round(personas.alice, org.district_a, options=options)
    opened = round_open(actor=personas.alice, round=round)
    rng = random.Random(seed)
    cadres = {c.pk: c for c in [*section_1, *section_2, dora, carl, leo_cadre]}

    straight = 0
    tokens = sorted(opened.tokens, key=lambda t: (t.recipient_id or 0, t.subject_ids))
    for index, token in enumerate(tokens):
        if index == 1:
            continue  # one ballot never comes back
        if straight == 0 and len(token.subject_ids) >= 5:
            straight += 1
            ratings = [
                RatingInput(subject_id=sid, grade=Grade.COMPETENT, scores=_scores(round, [2] * 5))
                for sid in token.subject_ids
            ]
        else:
            ratings = [_sheet(rng, round, cadres[sid], dora) for sid in token.subject_ids]
        ballot_submit(token=token.token, ratings=ratings)

    users: dict[int, User | None] = {c.pk: c.user for c in cadres.values()}
    for rating in IdentifiedRating.objects.filter(round=round).select_related("subject").order_by("pk"):
        if rating.relation == Relation.SELF:
            user = users[rating.subject_id]
            if user is None or rating.subject_id == section_1[0].pk:
                continue  # dora has no account; one colleague never answers
            values = [rng.choice([0, 1]) for _ in range(5)]
            if rating.subject_id == dora.pk:
                values = [1] * 5
            identified_rating_submit(
                actor=user,
                rating=rating,
                data=RatingInput(rating.subject_id, Grade.COMPETENT, _scores(round, values), comment="自我感觉良好"),
            )
        else:
            if rating.subject_id == section_1[1].pk:
                continue  # leo never rates this one
            is_dora = rating.subject_id == dora.pk
            values = [4, 3, 4, 3, 3] if is_dora else [rng.choice([0, 1, 2]) for _ in range(5)]
            grade = Grade.BASIC if is_dora else Grade.COMPETENT
            identified_rating_submit(
                actor=personas.leo,
                rating=rating,
                data=RatingInput(rating.subject_id, grade, _scores(round, values), comment="需加强责任心"),
            )
    if close:
        round_close(actor=personas.alice, round=round)
        round.refresh_from_db()
    return BuiltRound(round, opened, section_1, section_2, leo_cadre, dora, straight)
