"""Every write to circulars (通报): draft → submitted → approved by a second person → published with its
number and PDF → withdrawn; and the flag a published circular gets when a case it names closes rectified.

Same pattern as `services.py`: lock, state (→ InvalidTransition, 409), predicate (→ PermissionDenied, 403),
transition (only sets fields), save, audit in the same transaction, side effects on commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases.rectification import permissions
from cases.rectification.circular_models import Circular, CircularCounter, CircularState
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import NAMEABLE_STATES, RectificationCase
from cases.rectification.services import audit, require
from project.audit.services import AuditEntry, audit_record_many
from project.documents.services import document_request
from project.org.models import Unit, User
from project.service_checks import acting_person, allow, column_length, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

CIRCULAR_KIND = "circular"
TITLE_PREFIX = "关于"
TITLE_SUFFIX = "的通报"


def _lock_circular(circular: Circular | int) -> Circular:
    pk = circular if isinstance(circular, int) else circular.pk
    return Circular.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)


def _wrong_state(circular: Circular) -> str:
    return _("Circular #%(pk)s is %(state)s; that step is not possible now.") % {
        "pk": circular.pk,
        "state": str(CircularState(circular.state).label),
    }


def _save_circular(circular: Circular) -> None:
    try:
        circular.save()
    except ConcurrentTransition:
        raise InvalidTransition(
            _("Circular #%(pk)s was changed by someone else at the same moment. Reload the page and try again.")
            % {"pk": circular.pk},
            code="concurrent",
        ) from None


def circular_create(
    *,
    actor: AnyUser,
    unit: Unit,
    issuing_body: str,
    issuer_code: str,
    title: str,
    addressees: str,
    facts: str,
    decision: str,
    nature: str,
    requirements: str,
    cases: Sequence[RectificationCase] = (),
) -> Circular:
    """Draft a circular issued by `unit`, naming cases of its subtree.

    Requires: the organization department over `unit`. Raises PermissionDenied, ValidationError (a missing
    section, a title not of the form 关于…的通报, a case outside the unit's subtree or not nameable:
    `NAMEABLE_STATES`).
    """
    person = acting_person(actor)
    allow(permissions.can_draft_circular(person, unit))
    title = required_text(title, "title", _("Write the title."), limit=column_length(Circular, "title")).strip("《》")
    if not (title.startswith(TITLE_PREFIX) and title.endswith(TITLE_SUFFIX)):
        raise ValidationError({"title": _("The title reads 关于……的通报.")})
    fields = {
        "issuing_body": required_text(
            issuing_body, "issuing_body", _("Name the issuing body."), limit=column_length(Circular, "issuing_body")
        ),
        "issuer_code": required_text(
            issuer_code,
            "issuer_code",
            _("Give the issuer code, e.g. 东组通."),
            limit=column_length(Circular, "issuer_code"),
        ),
        "addressees": required_text(
            addressees, "addressees", _("Name the addressees (主送)."), limit=column_length(Circular, "addressees")
        ),
        "facts": required_text(facts, "facts", _("State the facts.")),
        "decision": required_text(decision, "decision", _("State the handling decision and its basis.")),
        "nature": required_text(nature, "nature", _("State the nature and harm.")),
        "requirements": required_text(requirements, "requirements", _("State the requirements.")),
    }
    named = list({case.pk: case for case in cases}.values())
    if any(not case.unit.path.startswith(unit.path) for case in named):
        raise ValidationError({"cases": _("A circular names only cases of the issuing unit's subtree.")})
    if any(case.state not in NAMEABLE_STATES for case in named):
        raise ValidationError(
            {
                "cases": _(
                    "A circular names only confirmed targets: not a nominated, dismissed or withdrawn case,"
                    " nor one closed as rectified."
                )
            }
        )
    # Never a case the drafter may not read (their own, above all).
    allow(all(permissions.can_view_case(person, case) for case in named))
    with transaction.atomic():
        circular = Circular.objects.create(unit=unit, title=title, drafter=person, **fields)
        circular.cases.set(named)
        audit(person, "circular.draft", circular, f"drafted circular #{circular.pk}", cases=[c.pk for c in named])
    return circular


def circular_submit(*, actor: AnyUser, circular: Circular) -> Circular:
    """Submit the draft for approval. Requires: draft; the organization department over the issuing unit.
    Raises InvalidTransition, PermissionDenied."""
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_circular(circular)
        require(can_proceed(locked.submit), _wrong_state(locked))
        allow(permissions.can_submit_circular(person, locked))
        locked.submit()
        _save_circular(locked)
        audit(person, "circular.submit", locked, f"submitted circular #{locked.pk}")
    return locked


def circular_approve(*, actor: AnyUser, circular: Circular) -> Circular:
    """Approve the circular: a second person of the organization department, never its drafter.

    Requires: submitted. Raises InvalidTransition, PermissionDenied (the drafter, or no role).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_circular(circular)
        require(can_proceed(locked.approve), _wrong_state(locked))
        allow(
            permissions.can_approve_circular(person, locked),
            _("A circular is approved by a second person, not by the one who drafted it."),
        )
        locked.approve(by=person, at=timezone.now())
        _save_circular(locked)
        audit(person, "circular.approve", locked, f"approved circular #{locked.pk}")
    return locked


def _next_serial(issuer_code: str, year: int) -> int:
    """The next serial for the issuer and year. The counter's row lock serializes concurrent publishes:
    the second waits for the first to commit, then reads its number and takes the next one."""
    CircularCounter.objects.get_or_create(issuer_code=issuer_code, year=year)
    counter = CircularCounter.objects.select_for_update().get(issuer_code=issuer_code, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def circular_publish(*, actor: AnyUser, circular: Circular, on: date | None = None) -> Circular:
    """Publish: give the number (issuer code, year, next serial) and request the PDF on commit.

    Requires: approved; the organization department over the issuing unit; every case it names still a
    confirmed target (`NAMEABLE_STATES`: a case closed as rectified since the draft is never named in public).
    Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        # The named cases first, then the circular (a case closing locks itself, then its circulars): none of
        # them can close between this check and the publication.
        named = list(
            RectificationCase.objects.select_for_update(of=("self",))
            .filter(circulars=circular.pk)
            .select_related("cadre")
            .order_by("pk")
        )
        locked = _lock_circular(circular)
        require(can_proceed(locked.publish), _wrong_state(locked))
        allow(permissions.can_publish_circular(person, locked))
        gone = [case.cadre.name for case in named if case.state not in NAMEABLE_STATES]
        require(
            not gone,
            _("This circular names %(names)s, whose case is no longer open for naming; draft a new circular.")
            % {"names": "、".join(gone)},
            "named_case_closed",
        )
        day = on or timezone.localdate()
        serial = _next_serial(locked.issuer_code, day.year)
        locked.publish(year=day.year, serial=serial, on=day, at=timezone.now())
        _save_circular(locked)
        audit(person, "circular.publish", locked, f"published circular #{locked.pk} as {locked.number}")
        document_request(actor=person, kind=CIRCULAR_KIND, obj=locked, title=locked.number)
    return locked


def circular_withdraw(*, actor: AnyUser, circular: Circular, reason: str) -> Circular:
    """Withdraw a published circular, with the reason. Requires: published; the organization department.
    Raises InvalidTransition, PermissionDenied, ValidationError (no reason)."""
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_circular(circular)
        require(can_proceed(locked.withdraw), _wrong_state(locked))
        allow(permissions.can_withdraw_circular(person, locked))
        reason = required_text(reason, "reason", _("Give the reason for withdrawing."))
        locked.withdraw(reason=reason, at=timezone.now())
        _save_circular(locked)
        audit(person, "circular.withdraw", locked, f"withdrew circular #{locked.pk}")
    return locked


def flag_for_withdrawal(case: RectificationCase) -> int:
    """Flag the published circulars naming `case` for withdrawal (the case closed rectified).

    Called inside `case_close_rectified`'s transaction; acts as the system. Returns how many were flagged.
    """
    # Locked, and read again once locked (a withdrawal may be committing): only those still published.
    flagged = list(
        Circular.objects.select_for_update(of=("self",))
        .filter(cases=case, state=CircularState.PUBLISHED, needs_withdrawal=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Circular.objects.filter(pk__in=flagged).update(needs_withdrawal=True)
    audit_record_many(
        actor=None,
        action="circular.flag",
        entries=[
            AuditEntry(f"circular #{pk} flagged for withdrawal: case #{case.pk} closed rectified", Circular(pk=pk), {})
            for pk in flagged
        ],
    )
    return len(flagged)
