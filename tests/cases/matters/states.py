"""Matters brought to each state through the real services (never by setting fields)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from cases.matters import decision_services, services
from cases.matters.models import AccountabilityMatter, Outcome
from cases.matters.services import AnswerInput
from project.org.models import User
from tests.conftest import Personas

# Every gate clear, a first-trial ground, the three principles met, every factor favourable: EXEMPT.
EXEMPT_ANSWERS: dict[str, str] = {
    "S1": "yes",
    "S2": "yes",
    **{f"G{i}": "no" for i in range(1, 11)},
    "T4": "no",
    "T5": "no",
    "T1": "yes",
    "C1": "yes",
    "C2": "yes",
    "C3": "yes",
    **{f"F{i}": "favourable" for i in range(1, 6)},
}
NOT_TOLERATED_ANSWERS = {**EXEMPT_ANSWERS, "G1": "yes"}


def received(
    personas: Personas, *, is_inaction: bool = False, title: str = "招商项目前期投入损失"
) -> AccountabilityMatter:
    """A matter about carl, registered by alice, with rita and rob assigned."""
    matter = services.matter_receive(
        actor=personas.alice,
        cadre=personas.carl_cadre,
        title=title,
        facts="在推进招商引资项目时，先行垫付前期费用，项目未落地造成损失。",
        is_inaction=is_inaction,
    )
    services.matter_assign_reviewer(actor=personas.alice, matter=matter, user=personas.rita)
    services.matter_assign_reviewer(actor=personas.alice, matter=matter, user=personas.rob)
    return matter


def applied(personas: Personas, applied_on: date | None = None, **kwargs: Any) -> AccountabilityMatter:
    matter = received(personas, **kwargs)
    return services.matter_apply(
        actor=personas.carl,
        matter=matter,
        applicant_kind="cadre",
        statement="属于先行先试中的失误，本人未谋私利。",
        applied_on=applied_on,
    )


def accepted(personas: Personas, **kwargs: Any) -> AccountabilityMatter:
    return services.matter_accept(actor=personas.alice, matter=applied(personas, **kwargs))


def investigating(personas: Personas, **kwargs: Any) -> AccountabilityMatter:
    return services.matter_start_investigation(actor=personas.rita, matter=accepted(personas, **kwargs))


def answer(personas: Personas, matter: AccountabilityMatter, answers: dict[str, str], by: User | None = None) -> None:
    services.checklist_save(
        actor=by or personas.rita,
        matter=matter,
        answers={cid: AnswerInput(value=value, note=f"{cid} 核实") for cid, value in answers.items()},
    )


def recommended(personas: Personas, answers: dict[str, str] | None = None, **kwargs: Any) -> AccountabilityMatter:
    matter = investigating(personas, **kwargs)
    answer(personas, matter, answers or EXEMPT_ANSWERS)
    return services.matter_recommend(actor=personas.rita, matter=matter)


def with_task(personas: Personas, matter: AccountabilityMatter) -> AccountabilityMatter:
    decision_services.correction_task_add(
        actor=personas.rita,
        matter=matter,
        owner=personas.carl,
        description="追回垫付资金，完善项目前期论证制度",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    return matter


def decided(
    personas: Personas, outcome: str = Outcome.EXEMPT, answers: dict[str, str] | None = None, **kwargs: Any
) -> AccountabilityMatter:
    """Recommended, with a correction task; proposed by rita and confirmed by rob."""
    matter = with_task(personas, recommended(personas, answers, **kwargs))
    justification = "" if outcome == matter.recommended_outcome else "集体研究认为应当如此认定"
    decision_services.decision_propose(actor=personas.rita, matter=matter, outcome=outcome, justification=justification)
    decision_services.decision_confirm(actor=personas.rob, matter=matter)
    matter.refresh_from_db()
    return matter
