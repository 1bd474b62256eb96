"""The case dossier (整治案件卷宗): one PDF with everything its requester may see about a case.

The worker renders it (the `case_dossier` document kind) for the person who asked, with that person's
rights at rendering time: the evidence (colleagues' comments only for the organization department), the
timeline from the audit trail, talks, plans, commitments, care measures, the circulars they may read, and
the visit plans only if `VisitPlan.objects.visible_to` shows them those plans — never to the leader in
charge, the cadre or an auditor. Because its content depends on who asked, only the requester may
download it (`permissions.can_view_dossier_document`).

Each request for a case is a new snapshot, except that a dossier of the same person still rendering is
returned instead of starting another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.rectification import permissions, selectors
from cases.rectification.circular_models import Circular
from cases.rectification.evidence import evidence_rows
from cases.rectification.models import RectificationCase
from cases.rectification.services import audit
from cases.rectification.visit_models import VisitObservation, VisitPlan
from project.documents.models import Document, DocumentStatus
from project.documents.registry import register_document_kind
from project.documents.services import document_key, document_request
from project.locking import lock_rows
from project.org.models import User
from project.service_checks import acting_person

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


KIND = "case_dossier"
TEMPLATE_VERSION = "3"  # 2: the timeline shows translated labels, not the stored summaries; 3: and actors
TEMPLATE = "pdf/case_dossier.html"


def case_dossier_request(*, actor: User | AnonymousUser, case: RectificationCase) -> Document:
    """Ask the worker for the dossier of `case` as `actor` may see it; audited on the case.

    Requires: the actor may read the case's staff pages (`permissions.can_request_dossier_case`).
    Returns the actor's dossier of this case still rendering if there is one, else a new one.
    Raises PermissionDenied.
    """
    person = acting_person(actor)
    if not permissions.can_request_dossier_case(person, case):
        raise PermissionDenied
    with transaction.atomic():
        # The requester's row: the same request sent twice at once finds the first one's dossier, not a second.
        lock_rows(User.objects.filter(pk=person.pk))
        pending = dossiers_of(user=person, case=case).filter(status=DocumentStatus.PENDING).first()
        prefix = document_key(kind=KIND, obj=case) + ":"
        key = (
            pending.idempotency_key.removeprefix(prefix)
            if pending is not None
            else f"u{person.pk}:{timezone.now():%Y%m%d%H%M%S%f}"
        )
        document = document_request(
            actor=person, kind=KIND, obj=case, title=f"整治案件卷宗 · {case.cadre.name} · #{case.pk}", key=key
        )
        if pending is None:
            audit(
                person, "case.dossier_request", case, f"requested the dossier of case #{case.pk}",
                document=document.pk, visits=permissions.can_plan_visit_case(person, case),
            )  # fmt: skip
    return document


def dossiers_of(*, user: User, case: RectificationCase) -> QuerySet[Document]:
    """The user's own dossiers of the case, newest first. Filtering on the requester is the kind's whole
    predicate once the caller has established that the user may read the case."""
    return Document.objects.filter(
        kind=KIND, object_type=case._meta.label_lower, object_id=str(case.pk), requested_by=user
    ).order_by("-created_at", "-pk")


def _visits(viewer: User, case: RectificationCase) -> list[VisitPlan]:
    observations = VisitObservation.objects.prefetch_related("attachments").order_by("observed_at", "pk")
    return list(
        VisitPlan.objects.visible_to(viewer)
        .filter(case=case)
        .prefetch_related("team", Prefetch("observations", queryset=observations))
        .order_by("created_at", "pk")
    )


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    """The dossier's context, read with the requester's rights now. Raises PermissionDenied when the
    requester may no longer read the case (the document is then marked failed)."""
    viewer = document.requested_by
    case = selectors.case_get_visible(user=viewer, pk=int(document.object_id)) if viewer is not None else None
    if viewer is None or case is None:
        raise PermissionDenied("the requester may no longer read this case")
    today = timezone.localdate()
    return TEMPLATE, {
        "case": case,
        "viewer": viewer,
        "evidence_rows": evidence_rows(viewer, case),
        "timeline": list(selectors.case_timeline(case)),
        "talks": list(selectors.case_talks(case)),
        "plans": list(selectors.case_plans(case)),
        "commitment_rows": [(item, item.status_label(today)) for item in selectors.case_commitments(case)],
        "care_measures": list(selectors.case_care_measures(case)),
        "circulars": list(Circular.objects.visible_to(viewer).filter(cases=case).order_by("created_at", "pk")),
        "visits": _visits(viewer, case),
    }


def register() -> None:
    register_document_kind(
        KIND,
        label=gettext_lazy("Case dossier (整治案件卷宗)"),
        template_version=TEMPLATE_VERSION,
        build=build,
        can_view=permissions.can_view_dossier_document,
    )
