"""Who rates whom in a round: computed once, when the round opens (services.round_open stores it).

Self. Every active cadre in the scope gets a self-evaluation.

Peers. Cadres fall into peer groups by the round's mode:
- same_unit: the cadres of one unit;
- unit_subtree: the cadres of one unit directly below the scope together with everything beneath it;
  the cadres of the scope unit itself form their own group (so the groups never overlap);
- explicit_group: the round's PeerGroup rows (a cadre in several groups gets one ballot carrying
  the colleagues drawn from each; a cadre in none rates and is rated by no peer).
In a group of up to `small_unit_size` cadres every member rates every other. In a larger group each
ballot carries a sample, drawn so that every cadre is on at least `min_peer_sheets` ballots:

    take the members in a random order; for each member s, among the colleagues who may rate s
    (not s, no declared conflict with s), pick the `min_peer_sheets` whose ballots are shortest so
    far, ties broken at random, and put s on their ballots.

So each cadre receives exactly min(min_peer_sheets, eligible colleagues) sheets, and ballots differ in
length by at most a few names. The random numbers come from a generator seeded per round (see
`sampling_seed`): opening is reproducible, and `tokens_reissue` can tell which printed slip was whose.
A cadre never rates themself; declared conflicts (Conflict, standing or of this round) are skipped;
and a cadre who rates a colleague as their leader (signed) does not rate them again on a peer ballot,
so that no one's opinion of a colleague counts twice. (The colleague still rates the leader as a peer.)

Leaders. A user holding the leader role over a unit (RoleGrant, the unit's subtree) rates every active
cadre of that subtree inside the scope, except themself (a leader who is also a cadre) and any cadre
they have a declared conflict with.

The planning functions below are pure (ids in, ids out); `load_plan` reads the round with a fixed
number of queries, however many cadres it covers.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from evaluations.models import Conflict, EvaluationRound, PeerGroup, PeerGroupMode
from project.org.models import PATH_STEP, Cadre, Role, RoleGrant

Pair = frozenset[int]


@dataclass(frozen=True)
class CadreRow:
    id: int
    unit_id: int
    unit_path: str
    name: str
    user_id: int | None


@dataclass(frozen=True)
class PeerBallot:
    """One ballot to print. The rater's id lives only in memory, to label the printed slip."""

    rater_id: int
    unit_id: int
    subject_ids: tuple[int, ...]


@dataclass
class Plan:
    cadres: dict[int, CadreRow] = field(default_factory=dict)
    self_subjects: list[int] = field(default_factory=list)
    leader_pairs: list[tuple[int, int]] = field(default_factory=list)  # (leader user id, cadre id)
    ballots: list[PeerBallot] = field(default_factory=list)


def sampling_seed(round_id: int) -> int:
    """The round's seed: a keyed hash of its id.

    Keyed with SECRET_KEY rather than the bare id, so that someone holding only a copy of the
    database cannot re-run the draw and learn which sampled subject list was handed to whom.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), f"evaluations.peer-sample.{round_id}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:8], "big")


def draw_peer_ballots(
    members: Sequence[int],
    *,
    conflicts: set[Pair],
    small_unit_size: int,
    min_peer_sheets: int,
    rng: random.Random,
    excluded: set[tuple[int, int]] | None = None,
) -> dict[int, list[int]]:
    """Map each member of one peer group to the colleagues on their ballot (see the module docstring).

    `excluded` holds one-way (rater, subject) pairs that must not appear (the rater leads the subject).
    """
    members = sorted(set(members))
    excluded = excluded or set()
    eligible = {
        s: [r for r in members if r != s and frozenset((r, s)) not in conflicts and (r, s) not in excluded]
        for s in members
    }
    if len(members) <= small_unit_size:
        return {r: [s for s in members if r in eligible[s]] for r in members}
    ballots: dict[int, list[int]] = {r: [] for r in members}
    order = list(members)
    rng.shuffle(order)
    for subject in order:
        candidates = list(eligible[subject])
        rng.shuffle(candidates)
        candidates.sort(key=lambda rater: len(ballots[rater]))  # stable: the shuffle breaks ties
        for rater in candidates[:min_peer_sheets]:
            ballots[rater].append(subject)
    return {rater: sorted(subjects) for rater, subjects in ballots.items()}


def peer_groups(
    cadres: Mapping[int, CadreRow],
    *,
    mode: str,
    scope_path: str,
    explicit: Mapping[int, Sequence[int]] | None = None,
) -> list[list[int]]:
    """The round's peer groups as sorted lists of cadre ids, in a stable order."""
    keyed: dict[object, list[int]] = defaultdict(list)
    if mode == PeerGroupMode.EXPLICIT_GROUP:
        for group_id, member_ids in (explicit or {}).items():
            keyed[group_id] = [m for m in member_ids if m in cadres]
    else:
        for cadre in cadres.values():
            if mode == PeerGroupMode.UNIT_SUBTREE:
                keyed[cadre.unit_path[: len(scope_path) + PATH_STEP]].append(cadre.id)
            else:
                keyed[cadre.unit_id].append(cadre.id)
    return [sorted(keyed[key]) for key in sorted(keyed, key=str)]


def plan_peer_ballots(
    cadres: Mapping[int, CadreRow],
    groups: Sequence[Sequence[int]],
    *,
    conflicts: set[Pair],
    small_unit_size: int,
    min_peer_sheets: int,
    seed: int,
    excluded: set[tuple[int, int]] | None = None,
) -> list[PeerBallot]:
    """One ballot per rater with at least one colleague to rate, merging the rater's groups."""
    rng = random.Random(seed)  # reproducibility is the point; the seed is keyed
    subjects_of: dict[int, set[int]] = defaultdict(set)
    for members in groups:
        drawn = draw_peer_ballots(
            members,
            conflicts=conflicts,
            small_unit_size=small_unit_size,
            min_peer_sheets=min_peer_sheets,
            rng=rng,
            excluded=excluded,
        )
        for rater, subjects in drawn.items():
            subjects_of[rater].update(subjects)
    return [
        PeerBallot(rater_id=rater, unit_id=cadres[rater].unit_id, subject_ids=tuple(sorted(subjects)))
        for rater, subjects in sorted(subjects_of.items())
        if subjects
    ]


def plan_leader_pairs(
    cadres: Mapping[int, CadreRow],
    grants: Iterable[tuple[int, str]],
    *,
    leader_cadre: Mapping[int, int],
    conflicts: set[Pair],
) -> list[tuple[int, int]]:
    """(leader user id, cadre id) for every cadre under a leader grant, minus self and conflicts."""
    leaders_at: dict[str, set[int]] = defaultdict(set)
    for user_id, path in grants:
        leaders_at[path].add(user_id)
    pairs: list[tuple[int, int]] = []
    for cadre in sorted(cadres.values(), key=lambda c: c.id):
        leaders: set[int] = set()
        for end in range(PATH_STEP, len(cadre.unit_path) + 1, PATH_STEP):
            leaders |= leaders_at.get(cadre.unit_path[:end], set())
        for user_id in sorted(leaders):
            own = leader_cadre.get(user_id)
            if own is not None and (own == cadre.id or frozenset((own, cadre.id)) in conflicts):
                continue
            pairs.append((user_id, cadre.id))
    return pairs


def load_plan(round: EvaluationRound) -> Plan:
    """Read the round's cadres, groups, grants and conflicts (five queries at most) and plan."""
    scope_path = round.scope.path
    rows = Cadre.objects.filter(active=True, unit__path__startswith=scope_path).order_by("id")
    cadres = {
        cid: CadreRow(cid, unit_id, path, name, user_id)
        for cid, unit_id, path, name, user_id in rows.values_list("id", "unit_id", "unit__path", "name", "user_id")
    }
    conflicts: set[Pair] = {
        frozenset(pair)
        for pair in Conflict.objects.filter(Q(round=round) | Q(round__isnull=True))
        .filter(Q(cadre_a__unit__path__startswith=scope_path) | Q(cadre_b__unit__path__startswith=scope_path))
        .values_list("cadre_a_id", "cadre_b_id")
    }
    explicit: dict[int, list[int]] = defaultdict(list)
    if round.peer_group_mode == PeerGroupMode.EXPLICIT_GROUP:
        through = PeerGroup.members.through.objects.filter(peergroup__round=round)
        for group_id, cadre_id in through.order_by("peergroup_id", "cadre_id").values_list("peergroup_id", "cadre_id"):
            explicit[group_id].append(cadre_id)
    ancestors = [scope_path[:end] for end in range(PATH_STEP, len(scope_path) + 1, PATH_STEP)]
    grant_rows = list(
        RoleGrant.objects.filter(role=Role.LEADER)
        .filter(Q(unit__path__startswith=scope_path) | Q(unit__path__in=ancestors))
        .values_list("user_id", "unit__path", "user__cadre__id")
    )
    leader_cadre = {user_id: cadre_id for user_id, _path, cadre_id in grant_rows if cadre_id is not None}

    groups = peer_groups(cadres, mode=round.peer_group_mode, scope_path=scope_path, explicit=explicit)
    leader_pairs = plan_leader_pairs(
        cadres, [(u, p) for u, p, _c in grant_rows], leader_cadre=leader_cadre, conflicts=conflicts
    )
    # A leader who is also a cadre of the scope rates the cadres they lead once: signed, not again as a peer.
    leads = {(leader_cadre[user_id], cadre_id) for user_id, cadre_id in leader_pairs if user_id in leader_cadre}
    return Plan(
        cadres=cadres,
        self_subjects=sorted(cadres),
        leader_pairs=leader_pairs,
        ballots=plan_peer_ballots(
            cadres,
            groups,
            conflicts=conflicts,
            small_unit_size=round.small_unit_size,
            min_peer_sheets=round.min_peer_sheets,
            seed=sampling_seed(round.pk),
            excluded=leads,
        ),
    )
