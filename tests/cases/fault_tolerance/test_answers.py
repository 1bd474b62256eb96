"""Checking answers before anything is decided from them."""

from __future__ import annotations

import pytest

from cases.fault_tolerance import Answer, AnswerError, parse_answers

from .scenarios import RULESET, clean


def test_every_criterion_gets_an_answer_and_left_out_ones_are_unknown() -> None:
    parsed = parse_answers(RULESET, {"S1": "yes", "C2": "partly"})

    assert list(parsed) == list(RULESET.ids)
    assert parsed["S1"] is Answer.YES
    assert parsed["C2"] is Answer.PARTLY
    assert parsed["G4"] is Answer.UNKNOWN
    assert parsed["F3"] is Answer.UNKNOWN


def test_parsed_answers_are_read_only() -> None:
    parsed = parse_answers(RULESET, {"S1": "yes"})

    with pytest.raises(TypeError):
        parsed["S1"] = Answer.NO  # type: ignore[index]


def test_a_full_clean_answer_set_is_accepted() -> None:
    assert all(value is not Answer.UNKNOWN for value in parse_answers(RULESET, clean()).values())


def test_unknown_is_accepted_for_every_criterion() -> None:
    parsed = parse_answers(RULESET, dict.fromkeys(RULESET.ids, "unknown"))

    assert set(parsed.values()) == {Answer.UNKNOWN}


@pytest.mark.parametrize("criterion_id", ["G11", "s1", "T8", "", "X2"])
def test_an_unknown_criterion_is_refused(criterion_id: str) -> None:
    with pytest.raises(AnswerError, match=f"unknown criterion '{criterion_id}' for ruleset 'zigong-v1'"):
        parse_answers(RULESET, {criterion_id: "yes"})


@pytest.mark.parametrize(
    ("criterion_id", "value"),
    [
        ("S1", "partly"),
        ("G4", "favourable"),
        ("X1", "partly"),
        ("T4", "neutral"),
        ("C1", "favourable"),
        ("F3", "yes"),
        ("F7", "partly"),
        ("A1", "unfavourable"),
        ("S1", "Yes"),
        ("F1", "favorable"),
        ("S1", ""),
    ],
)
def test_a_value_the_criterion_does_not_take_is_refused(criterion_id: str, value: str) -> None:
    with pytest.raises(AnswerError, match=f"answer '{value}' is not allowed for {criterion_id}; expected one of"):
        parse_answers(RULESET, {criterion_id: value})


@pytest.mark.parametrize("value", [True, 1, None, ["yes"], {"value": "yes"}])
def test_a_value_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(AnswerError, match="answer to S2 must be a string"):
        parse_answers(RULESET, {"S2": value})


def test_the_error_names_the_first_offending_id_whatever_the_input_order() -> None:
    for answers in ({"Z9": "yes", "A9": "yes"}, {"A9": "yes", "Z9": "yes"}):
        with pytest.raises(AnswerError, match="'A9'"):
            parse_answers(RULESET, answers)
