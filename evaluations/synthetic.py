"""A synthetic closed round for demos, tests and the benchmark (`manage.py seed_round`).

Realistic enough to test identification against a known truth, fast enough for 20,000 cadres:

- A root unit with `units` sections of varied size (±40 % around the mean); one leader per section (a
  user with the leader role over it, who rates everyone in it); an org_admin over the root.
- Each cadre has a true level of lying flat t (0 never … 4 always): most t ~ N(0.8, 0.35); a few percent
  "genuinely lying flat" with t ~ U(2.3, 3.3) and one or two dominant manifestations. Those are the truth
  identification should find; `SeededRound.lying_flat` lists them.
- Raters: 10 % severe (+0.9), 10 % lenient (−0.7), 3 % straight-liners (one answer everywhere), the rest
  N(0, 0.2). An answer is round(t + profile + severity + N(0, 0.6)) held to 0–4; grades follow the sheet.
  Self-ratings are kinder than the truth (lying-flat cadres much kinder); leaders see the truth with noise.
- 90 % of ballots come back; 92 % of self and 95 % of leader ratings are submitted.

What goes through the services: the round is created, opened and closed by round_create / round_open /
round_close (state machine, assignments, audit). What does not, for speed: the ballots are drawn with the
round's own sampler (participation.draw_peer_ballots) but from `seed`, so that the same seed gives the same
ballots on any database, and they replace the tokens round_open printed (round_close then freezes their
turnout and deletes them, as for any round); sheets, ratings and scores are
inserted in bulk (COPY on PostgreSQL) instead of one ballot_submit each. The tables end up exactly as
ballot_submit and identified_rating_submit leave them. Everything is deterministic given `seed`.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock

from django.db import connection, transaction
from django.utils import timezone

from evaluations.bulk import BulkInserter
from evaluations.models import (
    BallotToken,
    EvaluationRound,
    Grade,
    IdentifiedRating,
    IdentifiedScore,
    Manifestation,
    PeerRating,
    PeerScore,
    PeerSheet,
    Relation,
)
from evaluations.participation import draw_peer_ballots
from evaluations.services import RoundOptions, round_close, round_create, round_open
from project.audit.services import audit_record
from project.org.models import Cadre, Role, RoleGrant, Unit, User, encode_step
from project.org.services import role_grant, unit_create

# Django's mark for "no password can log in" (what set_unusable_password stores, without its random suffix).
UNUSABLE = "!"
LYING_FLAT_SHARE = 0.04
SEVERE_SHARE, LENIENT_SHARE, STRAIGHT_SHARE = 0.10, 0.10, 0.03
BALLOT_RETURN, SELF_SUBMIT, LEADER_SUBMIT = 0.90, 0.92, 0.95
ANSWER_NOISE = 0.6

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁"
_PEER_COMMENTS = ("工作推诿，遇事绕着走", "上班时间经常不在岗", "交办事项一拖再拖", "态度消极，得过且过")
_FAIR_COMMENTS = ("工作认真负责", "能主动担当", "")


@dataclass(frozen=True)
class SeededRound:
    round: EvaluationRound
    lying_flat: tuple[int, ...]  # cadre ids of the genuinely lying-flat cadres
    lying_flat_external_ids: tuple[str, ...]
    cadres: int
    units: int
    ballots_returned: int
    peer_ratings: int
    seconds: float


@dataclass
class _Cadre:
    id: int
    unit_id: int
    truth: float
    profile: tuple[float, ...]
    lying_flat: bool


@dataclass
class _Rater:
    severity: float
    straight: int | None  # the one answer a straight-liner gives everywhere


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def clip_answer(value: float) -> int:
    """A drawn answer rounded onto the 0 (never) … 4 (always) scale."""
    return max(0, min(4, round(value)))


def sheet_grade(rng: random.Random, mean: float) -> str:
    """An overall grade that follows the sheet, with some noise (a grade is a judgement, not a sum)."""
    seen = mean + rng.gauss(0, 0.3)
    if seen >= 3.0:
        return Grade.INCOMPETENT
    if seen >= 2.2:
        return Grade.BASIC
    if seen <= 0.5:
        return Grade.EXCELLENT
    return Grade.COMPETENT


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _free_tag(seed: int) -> str:
    tag, n = f"SEED{seed}", 1
    while Unit.objects.filter(code=tag).exists():
        n += 1
        tag = f"SEED{seed}.{n}"
    return tag


def _unit_sizes(rng: random.Random, cadres: int, units: int) -> list[int]:
    mean = cadres / units
    sizes = [max(1, round(mean * rng.uniform(0.6, 1.4))) for _ in range(units)]
    # Scale to the exact total, keeping every unit at least 1.
    while sum(sizes) != cadres:
        index = rng.randrange(units)
        if sum(sizes) > cadres and sizes[index] > 1:
            sizes[index] -= 1
        elif sum(sizes) < cadres:
            sizes[index] += 1
    return sizes


def _build_org(
    rng: random.Random, tag: str, cadres: int, units: int
) -> tuple[User, Unit, list[Unit], dict[int, User], list[_Cadre]]:
    admin = User(username=f"seed-admin-{tag}".lower(), display_name=f"合成测评组织部门 {tag}")
    admin.set_unusable_password()
    admin.save()
    root = unit_create(actor=None, name=f"合成测评单位 {tag}", code=tag)
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, unit=root)
    sections = Unit.objects.bulk_create(
        Unit(
            name=f"{tag} 第{i + 1}科",
            code=f"{tag}-{i + 1:04d}",
            parent=root,
            path=root.path + encode_step(i),
            depth=root.depth + 1,
        )
        for i in range(units)
    )
    leaders = User.objects.bulk_create(
        User(username=f"seed-leader-{tag}-{i + 1}".lower(), display_name=f"{_name(rng)}（科长）", password=UNUSABLE)
        for i in range(units)
    )
    RoleGrant.objects.bulk_create(
        RoleGrant(user=leader, role=Role.LEADER, unit=unit) for leader, unit in zip(leaders, sections, strict=True)
    )
    sizes = _unit_sizes(rng, cadres, units)
    rows: list[Cadre] = []
    truths: list[tuple[float, tuple[float, ...], bool]] = []
    for unit, size in zip(sections, sizes, strict=True):
        for _ in range(size):
            index = len(rows)
            lying_flat = rng.random() < LYING_FLAT_SHARE
            if lying_flat:
                truth = rng.uniform(2.3, 3.3)
                dominant = set(rng.sample(range(5), rng.choice((1, 2))))
                profile = tuple(0.5 if m in dominant else -0.3 for m in range(5))
            else:
                truth = min(4.0, max(0.0, rng.gauss(0.8, 0.35)))
                profile = tuple(rng.gauss(0, 0.15) for _ in range(5))
            truths.append((truth, profile, lying_flat))
            rows.append(
                Cadre(
                    external_id=f"{tag}-{index + 1:06d}",
                    name=_name(rng),
                    gender=rng.choice("MF"),
                    birth_date=date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28)),
                    unit=unit,
                    post=rng.choice(("科员", "副科长", "主任科员", "一级主任科员")),
                    rank=rng.choice(("一级科员", "四级主任科员", "二级主任科员")),
                )
            )
    created = Cadre.objects.bulk_create(rows, batch_size=5000)
    if any(c.pk is None for c in created):  # SQLite before 3.35 returns no ids from bulk_create
        ids = dict(Cadre.objects.filter(unit__path__startswith=root.path).values_list("external_id", "pk"))
        for cadre in created:
            cadre.pk = ids[cadre.external_id]
    people = [
        _Cadre(c.pk, c.unit_id, truth, profile, lying_flat)
        for c, (truth, profile, lying_flat) in zip(created, truths, strict=True)
    ]
    return admin, root, sections, {unit.pk: leader for unit, leader in zip(sections, leaders, strict=True)}, people


def _rater(rng: random.Random) -> _Rater:
    draw = rng.random()
    if draw < STRAIGHT_SHARE:
        return _Rater(0.0, rng.choice((1, 2, 2, 3)))
    if draw < STRAIGHT_SHARE + SEVERE_SHARE:
        return _Rater(0.9 + rng.gauss(0, 0.1), None)
    if draw < STRAIGHT_SHARE + SEVERE_SHARE + LENIENT_SHARE:
        return _Rater(-0.7 + rng.gauss(0, 0.1), None)
    return _Rater(rng.gauss(0, 0.2), None)


def _answers(rng: random.Random, subject: _Cadre, shift: float, count: int) -> list[int]:
    return [
        clip_answer(subject.truth + subject.profile[m % 5] + shift + rng.gauss(0, ANSWER_NOISE)) for m in range(count)
    ]


def _peer_ballots(
    rng: random.Random, round: EvaluationRound, people: Sequence[_Cadre]
) -> list[tuple[int, int, list[int]]]:
    """(rater, unit, subjects) per ballot, from the round's own sampler seeded with `rng`."""
    by_unit: dict[int, list[int]] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(person.id)
    ballots: list[tuple[int, int, list[int]]] = []
    for unit_id in sorted(by_unit):
        drawn = draw_peer_ballots(
            by_unit[unit_id],
            conflicts=set(),
            small_unit_size=round.small_unit_size,
            min_peer_sheets=round.min_peer_sheets,
            rng=rng,
        )
        ballots.extend((rater, unit_id, subjects) for rater, subjects in sorted(drawn.items()) if subjects)
    return ballots


def _fill_peers(
    rng: random.Random,
    ids: random.Random,
    round: EvaluationRound,
    people: Sequence[_Cadre],
    manifestation_ids: Sequence[int],
) -> tuple[int, int]:
    person = {p.id: p for p in people}
    ballots = _peer_ballots(rng, round, people)
    BallotToken.objects.filter(round=round).delete()  # round_open's draw, replaced by the seeded one
    tokens = []
    sheets = BulkInserter(PeerSheet, ("id", "round_id"))
    ratings = BulkInserter(PeerRating, ("id", "sheet_id", "round_id", "subject_id", "grade", "comment"))
    scores = BulkInserter(PeerScore, ("rating_id", "manifestation_id", "value"))
    returned = 0
    for _rater_id, unit_id, subjects in ballots:
        used = rng.random() < BALLOT_RETURN
        secret = f"{ids.getrandbits(128):032x}"
        tokens.append(
            BallotToken(
                token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                round=round,
                unit_id=unit_id,
                subject_ids=subjects,
                used=used,
            )
        )
        if not used:
            continue
        returned += 1
        rater = _rater(rng)
        sheet_id = _uuid(ids)
        sheets.add((sheet_id, round.pk))
        for subject_id in subjects:
            subject = person[subject_id]
            if rater.straight is not None:
                values = [rater.straight] * len(manifestation_ids)
                grade: str = Grade.COMPETENT
            else:
                values = _answers(rng, subject, rater.severity, len(manifestation_ids))
                grade = sheet_grade(rng, sum(values) / len(values))
            comment = ""
            if rng.random() < 0.05:
                comment = rng.choice(_PEER_COMMENTS if subject.lying_flat else _FAIR_COMMENTS)
            rating_id = _uuid(ids)
            ratings.add((rating_id, sheet_id, round.pk, subject_id, grade, comment))
            for mid, value in zip(manifestation_ids, values, strict=True):
                scores.add((rating_id, mid, value))
    # Printed tokens are shuffled before storage (services._new_tokens); so are these.
    rng.shuffle(tokens)
    BallotToken.objects.bulk_create(tokens, batch_size=5000)
    for inserter in (sheets, ratings, scores):
        inserter.flush()
    return returned, ratings.count


def _fill_identified(
    rng: random.Random,
    round: EvaluationRound,
    people: Sequence[_Cadre],
    manifestation_ids: Sequence[int],
    submitted_at: datetime,
) -> None:
    person = {p.id: p for p in people}
    assignments = list(
        IdentifiedRating.objects.filter(round=round)
        .order_by("relation", "subject_id", "rater_id")
        .values_list("pk", "relation", "subject_id")
    )
    by_grade: dict[str, list[int]] = {}
    commented: list[tuple[int, str]] = []
    scores = BulkInserter(IdentifiedScore, ("rating_id", "manifestation_id", "value"))
    for pk, relation, subject_id in assignments:
        subject = person[subject_id]
        if relation == Relation.SELF:
            if rng.random() >= SELF_SUBMIT:
                continue
            kindness = 1.4 if subject.lying_flat else 0.6
            values = _answers(rng, subject, -kindness, len(manifestation_ids))
            grade: str = Grade.COMPETENT if rng.random() < 0.8 else Grade.EXCELLENT
        else:
            if rng.random() >= LEADER_SUBMIT:
                continue
            values = _answers(rng, subject, rng.gauss(0, 0.2), len(manifestation_ids))
            grade = sheet_grade(rng, sum(values) / len(values))
            if subject.lying_flat and rng.random() < 0.3:
                commented.append((pk, rng.choice(_PEER_COMMENTS)))
        by_grade.setdefault(grade, []).append(pk)
        for mid, value in zip(manifestation_ids, values, strict=True):
            scores.add((pk, mid, value))
    for grade, pks in sorted(by_grade.items()):
        for start in range(0, len(pks), 5000):
            IdentifiedRating.objects.filter(pk__in=pks[start : start + 5000]).update(
                grade=grade, submitted_at=submitted_at
            )
    for pk, comment in commented:
        IdentifiedRating.objects.filter(pk=pk).update(comment=comment)
    scores.flush()


def seed_round(*, cadres: int, seed: int, units: int | None = None, sheets: int = 8, title: str = "") -> SeededRound:
    """Build a closed synthetic round (see the module docstring) and return it with its truth."""
    if cadres < 2:
        raise ValueError("a round needs at least 2 cadres")
    started = time.monotonic()
    rng = random.Random(seed)
    units = units or max(1, round(cadres / 20))
    units = min(units, cadres)
    tag = _free_tag(seed)
    with transaction.atomic():
        admin, root, _sections, _leaders, people = _build_org(rng, tag, cadres, units)
        evaluation = round_create(
            actor=admin,
            title=title or f"合成测评 {tag}（{cadres} 名干部）",
            scope=root,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 6, 30),
            options=RoundOptions(min_peer_sheets=sheets),
        )
        round_open(actor=admin, round=evaluation)
        manifestation_ids = list(
            Manifestation.objects.filter(round=evaluation).order_by("order", "code").values_list("pk", flat=True)
        )
        # Keys (token secrets, sheet and rating UUIDs) are unique per database, so they come from the tag;
        # the ratings themselves from the seed alone.
        ids = random.Random(f"{seed}:{tag}")
        returned, peer_ratings = _fill_peers(rng, ids, evaluation, people, manifestation_ids)
        submitted_at = timezone.make_aware(datetime.combine(date(2026, 6, 28), clock(10, 0)))
        _fill_identified(rng, evaluation, people, manifestation_ids, submitted_at)
        evaluation = round_close(actor=admin, round=evaluation)
        lying_flat = tuple(p.id for p in people if p.lying_flat)
        audit_record(
            actor=None,
            action="evaluation_round.seed",
            obj=evaluation,
            summary=f"seeded synthetic round {tag}: {cadres} cadres in {units} units, {returned} ballots",
            data={"seed": seed, "cadres": cadres, "units": units, "sheets": sheets},
        )
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would gather soon: without them the planner takes the new tables
        # for empty and picks nested loops over a million rows.
        with connection.cursor() as cursor:
            for model in (PeerRating, PeerScore, PeerSheet, IdentifiedRating, IdentifiedScore, BallotToken, Cadre):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    external = dict(Cadre.objects.filter(pk__in=lying_flat).values_list("pk", "external_id"))
    return SeededRound(
        round=evaluation,
        lying_flat=lying_flat,
        lying_flat_external_ids=tuple(external[pk] for pk in lying_flat),
        cadres=cadres,
        units=units,
        ballots_returned=returned,
        peer_ratings=peer_ratings,
        seconds=time.monotonic() - started,
    )
