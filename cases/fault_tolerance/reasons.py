"""The sentences of an assessment, in Chinese and English.

Each function returns one complete sentence a reviewer can paste into a written decision: it quotes the
criteria by id and wording and cites their basis. Kept apart from `engine.py` so the decision procedure
reads as logic, and so the wording can be reviewed by someone who does not read the procedure.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Answer, Criterion, Text

_VALUE_ZH = {
    Answer.FAVOURABLE: "有利",
    Answer.NEUTRAL: "中性",
    Answer.UNFAVOURABLE: "不利",
}


# --- building blocks -------------------------------------------------------------------------------


def _zh(criterion: Criterion) -> str:
    return f"{criterion.id}「{criterion.wording.zh}」"


def _en(criterion: Criterion) -> str:
    return f"{criterion.id} “{criterion.wording.en}”"


def _zh_list(criteria: Sequence[Criterion], *, joiner: str = "、") -> str:
    return joiner.join(_zh(criterion) for criterion in criteria)


def _en_list(criteria: Sequence[Criterion], *, conjunction: str = "and") -> str:
    quoted = [_en(criterion) for criterion in criteria]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _unique_bases(criteria: Sequence[Criterion]) -> list[Text]:
    # Several criteria often share one basis; citing it once reads like a decision, not a log.
    bases: list[Text] = []
    for criterion in criteria:
        if criterion.basis not in bases:
            bases.append(criterion.basis)
    return bases


def _zh_basis(criteria: Sequence[Criterion]) -> str:
    return "（依据：" + "；".join(basis.zh for basis in _unique_bases(criteria)) + "）"


def _en_basis(criteria: Sequence[Criterion]) -> str:
    return " (basis: " + "; ".join(basis.en for basis in _unique_bases(criteria)) + ")"


def _is(criteria: Sequence[Criterion]) -> str:
    return "is" if len(criteria) == 1 else "are"


def _it(criteria: Sequence[Criterion]) -> str:
    return "it" if len(criteria) == 1 else "they"


def id_range(criteria: Sequence[Criterion]) -> str:
    """The first and last ids of a run of criteria ("G1–G10"), or the single id."""
    if len(criteria) == 1:
        return criteria[0].id
    return f"{criteria[0].id}–{criteria[-1].id}"


# --- step 1: scope ---------------------------------------------------------------------------------


def scope_not_met(failed: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(failed)}不成立，不属于容错纠错的适用范围，按一般程序处理{_zh_basis(failed)}。",
        en=(
            f"{_en_list(failed)} {'does' if len(failed) == 1 else 'do'} not hold, so fault tolerance does not "
            f"apply and the matter follows ordinary handling{_en_basis(failed)}."
        ),
    )


def scope_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答，无法确定是否适用容错纠错，须补充回答。",
        en=(
            f"{_en_list(unknown)} {_is(unknown)} unanswered, so it cannot be determined whether fault tolerance "
            f"applies; {_it(unknown)} must be answered."
        ),
    )


def scope_met(scope: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(scope)}均已确认，属于容错纠错的适用范围{_zh_basis(scope)}。",
        en=f"{_en_list(scope)} {'is' if len(scope) == 1 else 'are all'} confirmed, so fault tolerance applies"
        f"{_en_basis(scope)}.",
    )


# --- step 2: gates ---------------------------------------------------------------------------------


def gate_hit(gate: Criterion, failed_exceptions: Sequence[Criterion]) -> Text:
    if not failed_exceptions:
        return Text(
            zh=f"存在{_zh(gate)}情形，不予容错{_zh_basis([gate])}。",
            en=f"{_en(gate)} applies, so the error cannot be tolerated{_en_basis([gate])}.",
        )
    return Text(
        zh=f"存在{_zh(gate)}情形，且不属于{_zh_list(failed_exceptions, joiner='或')}，不予容错{_zh_basis([gate])}。",
        en=(
            f"{_en(gate)} applies and it was not {_en_list(failed_exceptions, conjunction='or')}, so the error "
            f"cannot be tolerated{_en_basis([gate])}."
        ),
    )


def gate_excepted(gate: Criterion, exceptions: Sequence[Criterion]) -> Text:
    return Text(
        zh=(
            f"{_zh(gate)}虽然存在，但属于{_zh_list(exceptions, joiner='或')}，视为符合程序，不构成不予容错情形"
            f"{_zh_basis(exceptions)}。"
        ),
        en=(
            f"{_en(gate)} occurred, but as {_en_list(exceptions, conjunction='or')} it counts as proper procedure "
            f"and does not bar tolerance{_en_basis(exceptions)}."
        ),
    )


def gates_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答；排除全部不予容错情形之前不能作出容错认定，须补充回答。",
        en=(
            f"{_en_list(unknown)} {_is(unknown)} unanswered; nothing can be recommended in the cadre's favour until "
            f"every exclusion is ruled out, so {_it(unknown)} must be answered."
        ),
    )


def exception_unanswered(gate: Criterion, unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh(gate)}已确认，但{_zh_list(unknown)}尚未回答，无法判断是否构成不予容错情形，须补充回答。",
        en=(
            f"{_en(gate)} is confirmed but {_en_list(unknown)} {_is(unknown)} unanswered, so whether it bars "
            f"tolerance cannot be determined; {_it(unknown)} must be answered."
        ),
    )


def gates_clear(gates: Sequence[Criterion], *, some_excepted: bool) -> Text:
    if some_excepted:
        return Text(
            zh=f"经逐项核查，{id_range(gates)}中其余不予容错情形均不存在。",
            en=f"No other exclusion among {id_range(gates)} applies.",
        )
    return Text(
        zh=f"经逐项核查，{id_range(gates)}所列不予容错情形均不存在。",
        en=f"None of the exclusions {id_range(gates)} applies.",
    )


# --- steps 3 and 4: grounds with an outcome of their own -------------------------------------------


def no_fault(grounds: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(grounds)}成立，本人对此失误无过错{_zh_basis(grounds)}。",
        en=f"{_en_list(grounds)} holds, so this individual is not at fault for the error{_en_basis(grounds)}.",
    )


def no_fault_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答；该项成立时本人无过错，须补充回答。",
        en=(
            f"{_en_list(unknown)} {_is(unknown)} unanswered; if it holds this individual is not at fault, so "
            f"{_it(unknown)} must be answered."
        ),
    )


def not_pursued(grounds: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(grounds)}成立，不予追究责任{_zh_basis(grounds)}。",
        en=f"{_en_list(grounds)} holds, so accountability is not pursued{_en_basis(grounds)}.",
    )


def not_pursued_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答；该项成立时不予追究责任，须补充回答。",
        en=(
            f"{_en_list(unknown)} {_is(unknown)} unanswered; if it holds accountability is not pursued, so "
            f"{_it(unknown)} must be answered."
        ),
    )


# --- step 5: tolerance grounds ---------------------------------------------------------------------


def ground_holds(ground: Criterion) -> Text:
    return Text(
        zh=f"符合容错情形{_zh(ground)}{_zh_basis([ground])}。",
        en=f"The tolerance ground {_en(ground)} holds{_en_basis([ground])}.",
    )


def grounds_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答，目前没有确认任何容错情形，须补充回答。",
        en=(
            f"{_en_list(unknown)} {_is(unknown)} unanswered and no tolerance ground is confirmed yet, so "
            f"{_it(unknown)} must be answered."
        ),
    )


def no_ground(grounds: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(grounds)}均不成立，不具备容错情形，不予容错。",
        en=f"None of the tolerance grounds {_en_list(grounds, conjunction='or')} holds, so the error cannot be "
        "tolerated.",
    )


# --- step 6: core conditions -----------------------------------------------------------------------


def core_not_met(condition: Criterion) -> Text:
    return Text(
        zh=f"核心条件{_zh(condition)}不满足，不予容错{_zh_basis([condition])}。",
        en=f"The core condition {_en(condition)} is not met, so the error cannot be tolerated{_en_basis([condition])}.",
    )


def core_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"核心条件{_zh_list(unknown)}尚未回答，无法判断能否容错，须补充回答。",
        en=(
            f"The core condition{'' if len(unknown) == 1 else 's'} {_en_list(unknown)} {_is(unknown)} unanswered, "
            f"so whether the error can be tolerated cannot be determined; {_it(unknown)} must be answered."
        ),
    )


def core_partly_met(condition: Criterion) -> Text:
    return Text(
        zh=f"核心条件{_zh(condition)}仅部分满足，可予容错但只能从轻或减轻处理，不能免责{_zh_basis([condition])}。",
        en=(
            f"The core condition {_en(condition)} is only partly met, so the error may be tolerated with lighter "
            f"or reduced accountability but not exempted{_en_basis([condition])}."
        ),
    )


def core_met(conditions: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"核心条件{_zh_list(conditions)}均满足{_zh_basis(conditions)}。",
        en=f"The core conditions {_en_list(conditions)} are all met{_en_basis(conditions)}.",
    )


# --- step 7: weighed factors -----------------------------------------------------------------------


def factor_unfavourable(factor: Criterion) -> Text:
    return Text(
        zh=f"考量因素{_zh(factor)}评估为不利，应从轻或减轻处理而不能免责{_zh_basis([factor])}。",
        en=f"The factor {_en(factor)} is assessed as unfavourable, so accountability is reduced rather than "
        f"exempted{_en_basis([factor])}.",
    )


def factors_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"考量因素{_zh_list(unknown)}尚未评估，无法判断免责还是从轻减轻，须补充回答。",
        en=(
            f"The factor{'' if len(unknown) == 1 else 's'} {_en_list(unknown)} {_is(unknown)} not yet assessed, so "
            f"exemption cannot be told from reduction; {_it(unknown)} must be answered."
        ),
    )


def factors_clear(factors: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"考量因素{_zh_list(factors)}均无不利评估{_zh_basis(factors)}。",
        en=f"None of the factors {_en_list(factors, conjunction='or')} is unfavourable{_en_basis(factors)}.",
    )


# --- notes after the deciding step -----------------------------------------------------------------


def context_recorded(criterion: Criterion, answer: Answer) -> Text:
    return Text(
        zh=f"{_zh(criterion)}记录为{_VALUE_ZH[answer]}；该项不决定结论，但在确定处理幅度时予以考虑"
        f"{_zh_basis([criterion])}。",
        en=(
            f"{_en(criterion)} is recorded as {answer.value}; it does not decide the outcome but is weighed in "
            f"choosing how light the decision is{_en_basis([criterion])}."
        ),
    )


def aggravating_applies(criterion: Criterion) -> Text:
    return Text(
        zh=f"存在从重情节{_zh(criterion)}，应从重或加重处理{_zh_basis([criterion])}。",
        en=f"The aggravating circumstance {_en(criterion)} applies, so accountability should be heavier"
        f"{_en_basis([criterion])}.",
    )


def aggravating_unanswered(unknown: Sequence[Criterion]) -> Text:
    return Text(
        zh=f"{_zh_list(unknown)}尚未回答，未据此认定从重情节。",
        en=f"{_en_list(unknown)} {_is(unknown)} unanswered, so no aggravation is found on "
        f"{'it' if len(unknown) == 1 else 'them'}.",
    )


# --- conclusions -----------------------------------------------------------------------------------


def conclude_out_of_scope() -> Text:
    return Text(
        zh="结论：不适用容错纠错，按一般程序处理。",
        en="Conclusion: fault tolerance does not apply; the matter follows ordinary handling.",
    )


def conclude_insufficient(missing: Sequence[str]) -> Text:
    ids = "、".join(missing)
    return Text(
        zh=f"结论：信息不足，须补充回答{ids}后才能提出建议。",
        en=f"Conclusion: insufficient information; {', '.join(missing)} must be answered before a recommendation "
        "can be made.",
    )


def conclude_not_tolerated(*, aggravated: bool) -> Text:
    if aggravated:
        return Text(
            zh="结论：不予容错，依规依纪依法追责问责，并从重处理。",
            en="Conclusion: not tolerated; accountability is pursued according to the rules, with aggravation.",
        )
    return Text(
        zh="结论：不予容错，依规依纪依法追责问责。",
        en="Conclusion: not tolerated; accountability is pursued according to the rules.",
    )


def conclude_no_fault() -> Text:
    return Text(
        zh="结论：本人无过错，不追究其责任。",
        en="Conclusion: no fault on this individual's part; no accountability is pursued against them.",
    )


def conclude_not_pursued() -> Text:
    return Text(zh="结论：不予追究责任。", en="Conclusion: accountability is not pursued.")


def conclude_exempt() -> Text:
    return Text(
        zh=(
            "结论：建议免予问责（免责）。记录决定前须明确至少一项纠错任务（责任人、期限）；"
            "免责不影响其考核、评优和选拔任用。"
        ),
        en=(
            "Conclusion: exempt from accountability. At least one correction task (owner, deadline) must be set "
            "before the decision is recorded, and the exemption carries no negative evaluation into later "
            "rounds (promotion, assessment and awards are unaffected)."
        ),
    )


def conclude_reduced() -> Text:
    return Text(
        zh="结论：建议从轻或减轻问责。记录决定前须明确至少一项纠错任务（责任人、期限）。",
        en=(
            "Conclusion: lighter or reduced accountability. At least one correction task (owner, deadline) must "
            "be set before the decision is recorded."
        ),
    )
