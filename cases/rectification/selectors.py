"""Every read of rectification cases for pages, starting from `visible_to(user)` (staff) or `own_for(user)`
(the cadre concerned)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from cases.rectification import permissions
from cases.rectification.models import (
    OPEN_STATES,
    CareMeasure,
    CaseState,
    Commitment,
    RectificationCase,
    RectificationCaseQuerySet,
    RectificationPlan,
    Talk,
    overdue_q,
)
from project.audit.models import AuditEvent
from project.org.models import Cadre, Role, Unit, User
from project.org.permissions import with_grants
from project.org.selectors import role_holders

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document

    AnyUser = User | AnonymousUser

# What the list may be sorted by: the parameter's value → the ordering (a whitelist).
SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "cadre": ("cadre__name", "pk"),
    "unit": ("unit__path", "cadre__name", "pk"),
    "state": ("state", "-created_at", "pk"),
    "period_end": ("period_end", "pk"),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class CaseFilters:
    unit: Unit | None = None
    # The ids of `unit` and the units under it, when the caller has them (the list has every unit it offers);
    # else case_list looks them up.
    unit_ids: tuple[int, ...] | None = None
    state: str = ""
    manifestation: str = ""
    overdue: bool = False
    sort: str = DEFAULT_SORT


def case_list(*, user: AnyUser, today: date, filters: CaseFilters) -> RectificationCaseQuerySet:
    """The cases the user may read, with `is_overdue` annotated, filtered and sorted: one query per page.

    `manifestation` matches the code as a JSON string inside the stored list (works on SQLite and
    PostgreSQL alike, without JSON containment, which SQLite lacks).
    """
    cases = RectificationCase.objects.visible_to(user).select_related("cadre", "unit", "leader").with_overdue(today)
    if filters.unit is not None:
        # The subtree's ids as values, not a join on the unit's path: PostgreSQL then estimates the rows from
        # its statistics of unit_id and reads them by its index. Joined, the rows were costed as a quarter of
        # the visible ones (the scope's OR) and a count scanned the whole table (docs/BENCHMARKS.md).
        ids = filters.unit_ids
        if ids is None:
            ids = tuple(Unit.objects.filter(path__startswith=filters.unit.path).values_list("pk", flat=True))
        cases = cases.filter(unit_id__in=ids)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.manifestation:
        cases = cases.filter(manifestations__icontains=f'"{filters.manifestation}"')
    if filters.overdue:
        cases = cases.filter(overdue_q(today))
    return cases.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def filter_units(*, user: AnyUser) -> QuerySet[Unit]:
    """The units the list can be narrowed to: those of the subtrees the user reads cases in."""
    return Unit.objects.visible_to(user).order_by("path")


def case_get_visible(*, user: AnyUser, pk: int) -> RectificationCase | None:
    """The case if the user may read its staff pages, else None (the view answers 404)."""
    return (
        RectificationCase.objects.visible_to(user)
        .select_related("cadre", "unit", "leader", "predecessor", "determined_by", "nominated_by")
        .filter(pk=pk)
        .first()
    )


def case_get_own(*, user: AnyUser, pk: int) -> RectificationCase | None:
    """The case if it concerns the cadre linked to the user (and is past nomination), else None."""
    return RectificationCase.objects.own_for(user).select_related("cadre", "unit", "leader").filter(pk=pk).first()


def own_cases(*, user: AnyUser) -> RectificationCaseQuerySet:
    return RectificationCase.objects.own_for(user).select_related("unit").order_by("-created_at", "-pk")


def case_talks(case: RectificationCase) -> QuerySet[Talk]:
    return (
        Talk.objects.filter(case=case)
        .select_related("talker")
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.order_by("deadline", "pk")))
        .order_by("held_at", "pk")
    )


def case_commitments(case: RectificationCase) -> QuerySet[Commitment]:
    return Commitment.objects.filter(case=case).select_related("talk", "done_by").order_by("deadline", "pk")


def case_plans(case: RectificationCase) -> QuerySet[RectificationPlan]:
    return RectificationPlan.objects.filter(case=case).select_related("created_by").order_by("-created_at", "-pk")


def case_care_measures(case: RectificationCase) -> QuerySet[CareMeasure]:
    return CareMeasure.objects.filter(case=case).select_related("recorded_by").order_by("on", "pk")


def case_timeline(case: RectificationCase) -> QuerySet[AuditEvent]:
    """The case's history from the audit trail, its talks' events included (reads are not steps)."""
    talk_ids = [str(pk) for pk in Talk.objects.filter(case=case).values_list("pk", flat=True)]
    talks = Q(object_type=Talk._meta.label_lower, object_id__in=talk_ids)
    own = Q(object_type=RectificationCase._meta.label_lower, object_id=str(case.pk))
    return AuditEvent.objects.filter(own | talks).exclude(action="read").order_by("id")


def talk_get_visible(*, user: AnyUser, pk: int) -> Talk | None:
    """A talk of a case whose staff pages the user may read, else None."""
    visible = RectificationCase.objects.visible_to(user).values("pk")
    return (
        Talk.objects.filter(case__in=visible, pk=pk)
        .select_related("case__cadre", "case__unit", "case__leader", "talker", "recorder")
        .first()
    )


def talk_get_own(*, user: AnyUser, pk: int) -> Talk | None:
    """A signed talk of the user's own case, else None."""
    own = RectificationCase.objects.own_for(user).values("pk")
    return (
        Talk.objects.filter(case__in=own, pk=pk, signed_at__isnull=False)
        .select_related("case__cadre", "case__unit")
        .first()
    )


def talks_to_answer(*, user: AnyUser) -> QuerySet[Talk]:
    """Signed talk records of the user's own cases still waiting for their acknowledgement."""
    own = RectificationCase.objects.own_for(user).values("pk")
    return Talk.objects.filter(case__in=own, signed_at__isnull=False, acknowledged_at__isnull=True).order_by("held_at")


def own_talks(case: RectificationCase) -> QuerySet[Talk]:
    """The signed records of the cadre's case (what they are shown on their page)."""
    return Talk.objects.filter(case=case, signed_at__isnull=False).order_by("held_at", "pk")


def leader_cases(*, user: AnyUser) -> RectificationCaseQuerySet:
    """The open cases the user leads, with how many talks are signed and how many wait to be signed."""
    if not user.is_authenticated:
        return RectificationCase.objects.none()
    return (
        RectificationCase.objects.filter(leader=user, state__in=OPEN_STATES)
        .exclude(cadre__user=user)
        .select_related("cadre", "unit")
        .annotate(
            signed_talks=Count("talks", filter=Q(talks__signed_at__isnull=False)),
            draft_talks=Count("talks", filter=Q(talks__signed_at__isnull=True)),
        )
        .order_by("state", "cadre__name", "pk")
    )


def leader_drafts(*, user: AnyUser) -> QuerySet[Talk]:
    """Unsigned talk records the user recorded on cases they still lead."""
    if not user.is_authenticated:
        return Talk.objects.none()
    return (
        Talk.objects.filter(talker=user, signed_at__isnull=True, case__leader=user, case__state__in=OPEN_STATES)
        .select_related("case")
        .order_by("held_at")
    )


def leader_candidates(case: RectificationCase) -> list[User]:
    """Users who may lead this case: leaders over its unit, neither the cadre nor a subordinate."""
    users = role_holders(Role.LEADER, case.unit).select_related("cadre__unit").order_by("display_name", "username")
    return [user for user in with_grants(users) if permissions.can_lead_case(user, case)]


def recorder_choices(*, user: AnyUser, case: RectificationCase) -> QuerySet[Cadre]:
    """Cadres the leader may name as recorder: those of their units, never the cadre talked to."""
    return (
        Cadre.objects.visible_to(user).exclude(pk=case.cadre_id).select_related("unit").order_by("unit__path", "name")
    )


def openable_cadres(*, user: AnyUser) -> QuerySet[Cadre]:
    """Cadres the organization department may open a case for (its subtree, never itself)."""
    if not user.is_authenticated:
        return Cadre.objects.none()
    if user.is_superuser:
        return Cadre.objects.select_related("unit")
    from project.org.permissions import subtree_filter

    return (
        Cadre.objects.filter(subtree_filter(user, {Role.ORG_ADMIN}, "unit__path"))
        .exclude(user=user)
        .select_related("unit")
    )


def talk_documents(talk: Talk) -> list[Document]:
    """The rendered talk records of this talk, newest first."""
    from project.documents.models import Document

    return list(
        Document.objects.filter(
            kind="talk_record", object_type=talk._meta.label_lower, object_id=str(talk.pk)
        ).order_by("-created_at", "-pk")
    )


def latest_records(talks: list[Talk]) -> dict[int, Document]:
    """The newest rendered talk record of each talk (one query for all of them)."""
    from project.documents.models import Document, DocumentStatus

    latest: dict[int, Document] = {}
    documents = Document.objects.filter(
        kind="talk_record",
        object_type=Talk._meta.label_lower,
        object_id__in=[str(talk.pk) for talk in talks],
        status=DocumentStatus.RENDERED,
    ).order_by("-created_at", "-pk")
    for document in documents:
        latest.setdefault(int(document.object_id), document)
    return latest


def state_counts(*, user: AnyUser) -> dict[str, int]:
    """How many visible cases are in each state (for the list's summary line)."""
    rows = RectificationCase.objects.visible_to(user).values_list("state").annotate(n=Count("pk")).order_by()
    return {state: n for state, n in rows if state in CaseState.values}
