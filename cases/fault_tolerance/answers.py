"""Checking a reviewer's answers against a ruleset before anything is decided from them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .model import Answer, Ruleset


class AnswerError(ValueError):
    """An answer names a criterion the ruleset does not have, or gives a value that criterion does not take
    (then `criterion_id` names it, so that a caller can say so in its own words and language)."""

    def __init__(self, message: str, criterion_id: str | None = None) -> None:
        super().__init__(message)
        self.criterion_id = criterion_id


def parse_answers(ruleset: Ruleset, answers: Mapping[str, object]) -> Mapping[str, Answer]:
    """Every criterion of `ruleset` mapped to its answer; a criterion left out counts as `unknown`.

    Strict on purpose: a misspelt id or value ("Yes", "favorable") would otherwise pass silently as
    `unknown` and change the recommendation. Raises AnswerError naming the first offending id, in
    sorted order so that the message does not depend on the input's key order.
    """
    for criterion_id in sorted(answers, key=str):
        if not isinstance(criterion_id, str):
            raise AnswerError(f"criterion id must be a string, got {criterion_id!r}")
        criterion = ruleset.get(criterion_id)
        if criterion is None:
            raise AnswerError(f"unknown criterion {criterion_id!r} for ruleset {ruleset.name!r}")
        value = answers[criterion_id]
        allowed = ", ".join(answer.value for answer in criterion.allowed_answers)
        if not isinstance(value, str):
            message = f"answer to {criterion_id} must be a string, one of {allowed}; got {value!r}"
            raise AnswerError(message, criterion_id)
        if value not in criterion.allowed_answers:
            raise AnswerError(
                f"answer {value!r} is not allowed for {criterion_id}; expected one of {allowed}", criterion_id
            )

    # Read-only so an assessment can keep the very mapping it was computed from.
    return MappingProxyType(
        {criterion.id: Answer(str(answers.get(criterion.id, Answer.UNKNOWN))) for criterion in ruleset.criteria}
    )
