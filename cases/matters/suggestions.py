"""Answers the system can know before a reviewer looks: pre-filled, marked, and never decisive.

Every suggestion names its source in Chinese and English, is stored with `suggested=True`, and stays so
until a reviewer saves the checklist (confirming or overriding it); `matter_recommend` refuses while any
suggestion is unconfirmed. A suggester returns None when it has nothing to say — never a guess.

- G9 (屡教不改): the cadre's earlier matters decided as tolerated (EXEMPT/REDUCED), and closed
  rectification cases (a `case_closed` mark). Whether the earlier error was "of the same kind" is the
  reviewer's judgement: the source lists what was found so they can tell.
- G6 (不作为慢作为): the matter concerns inaction and the cadre carries a `rectification_target` mark in
  force (written when a rectification case is confirmed, ended when it closes or is withdrawn).
- F5 (一贯表现): the cadre's frozen result in the latest published evaluation round whose period ended
  within the last 24 months: a candidate → unfavourable; a composite with no flag at all → favourable;
  flags that are not decisive (a blind spot) → neutral; no composite (too few ratings) → no suggestion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from cases.matters.models import TOLERATED, AccountabilityMatter, AnswerValue, MatterState
from evaluations.models import RoundState, SubjectResult
from project.org.models import CadreMark, MarkKind


@dataclass(frozen=True)
class Suggestion:
    criterion_id: str
    value: str
    source: str


def _marks_in_force(matter: AccountabilityMatter, today: date) -> Q:
    return Q(cadre=matter.cadre_id, valid_from__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def suggest_g9(matter: AccountabilityMatter, today: date | None = None) -> Suggestion | None:
    """G9 `yes` when the cadre had an earlier tolerated decision or a closed rectification case."""
    earlier = list(
        AccountabilityMatter.objects.filter(
            cadre=matter.cadre_id,
            state__in=[MatterState.DECIDED, MatterState.CLOSED, MatterState.APPEALED],
            decided_outcome__in=list(TOLERATED),
        )
        .exclude(pk=matter.pk)
        .order_by("decided_on", "pk")
        .values_list("pk", "decided_outcome", "decided_on")
    )
    closed_cases = list(
        CadreMark.objects.filter(cadre=matter.cadre_id, kind=MarkKind.CASE_CLOSED)
        .order_by("valid_from", "pk")
        .values_list("source", "valid_from")
    )
    if not earlier and not closed_cases:
        return None
    zh: list[str] = []
    en: list[str] = []
    for pk, outcome, decided_on in earlier:
        label_zh, label_en = ("免责", "exempted") if outcome == "EXEMPT" else ("从轻减轻", "given a reduced sanction")
        zh.append(f"此前问责事项 #{pk} 于 {decided_on:%Y-%m-%d} 经容错认定为{label_zh}")
        en.append(f"earlier matter #{pk} was tolerated on {decided_on:%Y-%m-%d}: {label_en}")
    for source, valid_from in closed_cases:
        zh.append(f"整治案件（{source}）已于 {valid_from:%Y-%m-%d} 办结")
        en.append(f"rectification case ({source}) closed on {valid_from:%Y-%m-%d}")
    note_zh = "；".join(zh) + "。请核实是否为同类错误。"
    note_en = "; ".join(en) + ". Check whether the error is of the same kind."
    return Suggestion("G9", AnswerValue.YES, f"{note_zh} / {note_en}")


def suggest_g6(matter: AccountabilityMatter, today: date | None = None) -> Suggestion | None:
    """G6 `yes` when the matter concerns inaction and a rectification case's mark is in force."""
    if not matter.is_inaction:
        return None
    today = today or timezone.localdate()
    mark = (
        CadreMark.objects.filter(_marks_in_force(matter, today), kind=MarkKind.RECTIFICATION_TARGET)
        .order_by("-valid_from", "-pk")
        .first()
    )
    if mark is None:
        return None
    return Suggestion(
        "G6",
        AnswerValue.YES,
        f"该干部为已确认的“躺平”整治对象（{mark.source}，自 {mark.valid_from:%Y-%m-%d} 起），本事项涉及不作为 / "
        f"the cadre is a confirmed lying-flat target ({mark.source}, since {mark.valid_from:%Y-%m-%d}) "
        f"and this matter concerns inaction",
    )


F5_WINDOW_MONTHS = 24


def suggest_f5(matter: AccountabilityMatter, today: date | None = None) -> Suggestion | None:
    """F5 (一贯表现) from the cadre's latest published evaluation result (see the module docstring)."""
    today = today or timezone.localdate()
    since = date(today.year - F5_WINDOW_MONTHS // 12, today.month, min(today.day, 28))
    result = (
        SubjectResult.objects.filter(
            cadre=matter.cadre_id,
            round__state=RoundState.PUBLISHED,
            round__period_end__gte=since,
            round__period_end__lte=today,
        )
        .select_related("round")
        .order_by("-round__period_end", "-round_id")
        .first()
    )
    if result is None or (result.composite is None and not result.is_candidate):
        return None
    where = f"《{result.round.title}》（{result.round.period_end:%Y-%m-%d}）"
    flags_zh = "；".join(flag["zh"] for flag in result.flags)
    flags_en = "; ".join(flag["en"] for flag in result.flags)
    if result.is_candidate:
        return Suggestion(
            "F5",
            AnswerValue.UNFAVOURABLE,
            f"测评{where}中被列为候选对象：{flags_zh} / listed as a candidate in round {where}: {flags_en}",
        )
    if result.flags:
        return Suggestion(
            "F5",
            AnswerValue.NEUTRAL,
            f"测评{where}综合指数 {result.composite}，另有提示：{flags_zh} / "
            f"composite index {result.composite} in round {where}, with a note: {flags_en}",
        )
    return Suggestion(
        "F5",
        AnswerValue.FAVOURABLE,
        f"测评{where}综合指数 {result.composite}，未触发任何识别条件 / "
        f"composite index {result.composite} in round {where}, no identification rule met",
    )


Suggester = Callable[[AccountabilityMatter, "date | None"], "Suggestion | None"]

SUGGESTERS: list[Suggester] = [suggest_g9, suggest_g6, suggest_f5]


def suggestions_for(matter: AccountabilityMatter, today: date | None = None) -> list[Suggestion]:
    """Every suggestion the system can make for this matter now, for criteria its ruleset has."""
    from cases.fault_tolerance import load_ruleset

    ids = set(load_ruleset(matter.ruleset).ids) if matter.ruleset else set()
    found = (suggester(matter, today) for suggester in SUGGESTERS)
    return [suggestion for suggestion in found if suggestion is not None and suggestion.criterion_id in ids]
