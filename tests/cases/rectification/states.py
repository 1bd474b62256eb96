"""Cases brought to each state through the real services (never by setting fields)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.rectification import period_services, services, talk_services, verdicts
from cases.rectification.models import RectificationCase, Talk, TalkKind
from cases.rectification.services import RoundRef
from cases.rectification.talk_services import CommitmentInput
from project.org.models import Cadre, Role, Unit, User
from project.org.services import role_grant
from tests.conftest import Personas, make_cadre, make_user

ROUND = RoundRef(id=7, title="2026年上半年干部作风测评")
PEER_COMMENT = "经常上班时间看视频，群众办事找不到人"
EVIDENCE: dict[str, Any] = {
    "scores": {"composite": 2.41, "peer_adjusted": 2.63, "leader": 2.2, "self": 0.8},
    "flags": ["composite", "unfavourable_share"],
    "reasons": ["综合指数 2.41 ≥ 2.0", "不利评价占 38%（≥ 1/3）"],
    "peer_comments": [PEER_COMMENT],
}
DETERMINATION = "经单位评议和组织评定，确定为重点整治对象。"


def more_staff(role: Role, unit: Unit, count: int) -> list[User]:
    """`count` more holders of `role` over `unit`, every other one with a cadre record there (as staff are):
    enough to see whether a page's queries grow with the people it offers."""
    users = []
    for index in range(count):
        user = make_user(f"{role}-{unit.code}-{index}".lower(), f"员工{index}")
        role_grant(actor=None, user=user, role=role, unit=unit)
        if index % 2:
            make_cadre(unit, f"{unit.code}-S{index}", f"员工{index}", user=user, post="副科长")
        users.append(user)
    return users


def nominated(personas: Personas, cadre: Cadre | None = None, round_ref: RoundRef | None = ROUND) -> RectificationCase:
    """A case of carl (by default) nominated by the round's identification (the system)."""
    return services.case_nominate(
        actor=None, cadre=cadre or personas.carl_cadre, evidence=EVIDENCE, round_ref=round_ref, manifestations=["M3"]
    )


def confirmed(personas: Personas, **kwargs: Any) -> RectificationCase:
    return services.case_confirm(actor=personas.alice, case=nominated(personas, **kwargs), note=DETERMINATION)


def talking(personas: Personas, **kwargs: Any) -> RectificationCase:
    """Confirmed, with leo (leader of the bureau) as leader in charge."""
    return services.case_assign_leader(actor=personas.alice, case=confirmed(personas, **kwargs), leader=personas.leo)


def record_talk(personas: Personas, case: RectificationCase, *, deadline: date | None = None, **kwargs: Any) -> Talk:
    """leo records a heart-to-heart talk with dora as recorder and one commitment with a deadline."""
    fields: dict[str, Any] = {
        "kind": TalkKind.HEART_TO_HEART,
        "place": "局三楼小会议室",
        # dora records, unless the talk is with her
        "recorder": personas.carl_cadre if case.cadre_id == personas.dora_cadre.pk else personas.dora_cadre,
        "purpose": "民主测评反映工作推诿、得过且过",
        "content": "指出存在的问题，听取本人意见，提出整改要求。",
        "statement": "接受组织批评，认真整改。",
        "held_at": timezone.now() - timedelta(hours=1),
        "commitments": [CommitmentInput("每周报送工作台账", deadline or timezone.localdate() + timedelta(days=30))],
    }
    fields.update(kwargs)
    determined_on(case, fields["held_at"])
    return talk_services.talk_create(actor=personas.leo, case=case, **fields)


def determined_on(case: RectificationCase, at: datetime) -> None:
    """Move the case's determination back to `at` if it was later: a talk is never held before it (the
    services refuse one), and tests date talks in the past to make their commitments late."""
    RectificationCase.objects.filter(pk=case.pk, determined_at__gt=at).update(determined_at=at)


def signed(personas: Personas, **kwargs: Any) -> tuple[RectificationCase, Talk]:
    """In talks, with one talk recorded and signed by leo."""
    case = talking(personas, **kwargs)
    talk = talk_services.talk_sign(actor=personas.leo, talk=record_talk(personas, case))
    return case, talk


def ready_to_rectify(personas: Personas, months: int = 6, **kwargs: Any) -> RectificationCase:
    case, _talk = signed(personas, **kwargs)
    talk_services.plan_create(
        actor=personas.leo, case=case, measures="一、按周报送台账；二、参加作风建设专题培训。", period_months=months
    )
    return case


def rectifying(personas: Personas, start: date | None = None, **kwargs: Any) -> RectificationCase:
    case = ready_to_rectify(personas, **kwargs)
    return period_services.case_start_rectifying(actor=personas.leo, case=case, start=start)


def verifying(personas: Personas, **kwargs: Any) -> RectificationCase:
    return period_services.case_move_to_verifying(actor=personas.alice, case=rectifying(personas, **kwargs))


def visits_found(monkeypatch: pytest.MonkeyPatch, *, improved: bool) -> None:
    """Stand in for the unannounced visits (built later): make the verdict hook answer."""
    monkeypatch.setattr(verdicts, "has_improved_visit", lambda case: improved)
    monkeypatch.setattr(verdicts, "has_unimproved_visit", lambda case: not improved)


def closed_rectified(personas: Personas, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> RectificationCase:
    case = verifying(personas, **kwargs)
    with monkeypatch.context() as patch:
        visits_found(patch, improved=True)
        return period_services.case_close_rectified(actor=personas.alice, case=case)


def escalated(personas: Personas, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> RectificationCase:
    case = verifying(personas, **kwargs)
    with monkeypatch.context() as patch:
        visits_found(patch, improved=False)
        return period_services.case_escalate(
            actor=personas.alice, case=case, measure="admonishment", note="暗访发现仍脱岗，予以诫勉。"
        )


def roster(unit: Unit, n: int, prefix: str) -> list[Cadre]:
    """n plain roster rows in one unit (rows only: cases are opened through the services)."""
    Cadre.objects.bulk_create(
        Cadre(
            external_id=f"BULK-{prefix}-{i:04d}",
            name=f"干部{prefix}{i}",
            gender="F" if i % 2 else "M",
            birth_date=date(1975, 1, 1),
            unit=unit,
            post="科员",
            rank="一级科员",
        )
        for i in range(n)
    )
    return list(Cadre.objects.filter(external_id__startswith=f"BULK-{prefix}-").order_by("pk"))
