"""Loading the shipped rulesets, and refusing broken ones with a message that says what is wrong."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from cases.fault_tolerance import (
    ALLOWED_ANSWERS,
    Answer,
    GroundEffect,
    Group,
    RulesetError,
    available_rulesets,
    load_ruleset,
    parse_ruleset,
    read_ruleset,
)

# The spec's table, row by row: the ids are a public contract.
SPEC_IDS = (
    *("S1", "S2"),
    *("G1", "G2", "G3", "G4", "X1", "G5", "G6", "G7", "G8", "G9", "G10"),
    *("C1", "C2", "C3"),
    *("T1", "T2", "T3", "T4", "T5", "T6", "T7"),
    *("F1", "F2", "F3", "F4", "F5", "F6", "F7"),
    *("A1", "A2", "A3"),
)


def shipped() -> dict[str, Any]:
    text = resources.files("cases.fault_tolerance").joinpath("rulesets/zigong-v1.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def criterion(data: dict[str, Any], criterion_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["criteria"] if c["id"] == criterion_id)
    return found


def write(tmp_path: Path, data: object, name: str = "zigong-v1") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- the shipped ruleset -----------------------------------------------------------------------------


def test_zigong_v1_is_available() -> None:
    assert "zigong-v1" in available_rulesets()
    assert list(available_rulesets()) == sorted(available_rulesets())


def test_zigong_v1_has_exactly_the_spec_criteria_in_the_spec_order() -> None:
    assert load_ruleset("zigong-v1").ids == SPEC_IDS


def test_zigong_v1_groups_match_the_spec() -> None:
    ruleset = load_ruleset("zigong-v1")
    expected = {
        "S": Group.SCOPE,
        "G": Group.GATE,
        "X": Group.EXCEPTION,
        "C": Group.CORE,
        "T": Group.GROUND,
        "A": Group.AGGRAVATING,
    }
    for item in ruleset:
        if item.id in ("F6", "F7"):
            assert item.group is Group.CONTEXT
        elif item.id.startswith("F"):
            assert item.group is Group.FACTOR
        else:
            assert item.group is expected[item.id[0]]


def test_the_emergency_exception_belongs_to_g4() -> None:
    assert load_ruleset("zigong-v1")["X1"].exception_to == "G4"


def test_dissent_and_force_majeure_are_the_grounds_with_their_own_outcomes() -> None:
    ruleset = load_ruleset("zigong-v1")
    assert [c.id for c in ruleset.grounds_with(GroundEffect.NO_FAULT)] == ["T4"]
    assert [c.id for c in ruleset.grounds_with(GroundEffect.NOT_PURSUED)] == ["T5"]
    assert [c.id for c in ruleset.grounds_with(GroundEffect.TOLERABLE)] == ["T1", "T2", "T3", "T6", "T7"]


def test_every_criterion_has_wording_and_a_basis_in_both_languages() -> None:
    for item in load_ruleset("zigong-v1"):
        assert item.wording.zh.strip()
        assert item.wording.en.strip()
        assert item.basis.zh.strip()
        assert item.basis.en.strip()


def test_the_wording_is_the_spec_wording() -> None:
    ruleset = load_ruleset("zigong-v1")
    assert ruleset["G4"].wording.zh == "违反民主集中制，个人决定重大事项或规避集体决策、请示报告"
    assert ruleset["X1"].wording.zh == "紧急情况临机处置且事后及时报告"
    assert ruleset["T4"].wording.en == "expressly dissented in the collective decision"
    assert ruleset["T4"].basis.zh == "《中国共产党问责条例》(2019) 第十七条"


def test_allowed_answers_follow_the_group() -> None:
    ruleset = load_ruleset("zigong-v1")
    assert ruleset["C2"].allowed_answers == (Answer.YES, Answer.NO, Answer.PARTLY, Answer.UNKNOWN)
    assert ruleset["F3"].allowed_answers == (Answer.FAVOURABLE, Answer.NEUTRAL, Answer.UNFAVOURABLE, Answer.UNKNOWN)
    assert ruleset["F7"].allowed_answers == ruleset["F3"].allowed_answers
    for item_id in ("S1", "G4", "X1", "T5", "A3"):
        assert ruleset[item_id].allowed_answers == (Answer.YES, Answer.NO, Answer.UNKNOWN)
    assert set(ALLOWED_ANSWERS) == set(Group)
    assert all(Answer.UNKNOWN in values for values in ALLOWED_ANSWERS.values())


def test_load_ruleset_is_cached() -> None:
    assert load_ruleset("zigong-v1") is load_ruleset("zigong-v1")


@pytest.mark.parametrize("name", ["zigong-v2", "", "../zigong-v1", "zigong-v1.json", "ZIGONG-V1"])
def test_an_unknown_ruleset_name_is_refused_with_the_available_ones(name: str) -> None:
    with pytest.raises(RulesetError, match=r"unknown ruleset .*; available: zigong-v1"):
        load_ruleset(name)


def test_the_shipped_file_passes_the_same_validation_as_a_draft(tmp_path: Path) -> None:
    assert read_ruleset(write(tmp_path, shipped())) == load_ruleset("zigong-v1")


# --- validation --------------------------------------------------------------------------------------


def _set(criterion_id: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        criterion(data, criterion_id)[key] = value

    return change


def _drop(criterion_id: str, key: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del criterion(data, criterion_id)[key]

    return change


def _duplicate(criterion_id: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["criteria"].append(copy.deepcopy(criterion(data, criterion_id)))

    return change


def _drop_basis_language(criterion_id: str, language: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del criterion(data, criterion_id)["basis"][language]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("G3", "group", "gatekeeper"), "criterion G3: unknown group 'gatekeeper'"),
        (_set("G3", "group", None), "criterion G3: unknown group None"),
        (_duplicate("C2"), "duplicate criterion id 'C2'"),
        (_drop("F5", "en"), "criterion F5: wording: missing en translation"),
        (_set("F5", "zh", "  "), "criterion F5: wording: missing zh translation"),
        (_drop("T1", "basis"), "criterion T1: missing basis"),
        (_drop_basis_language("T1", "en"), "criterion T1: basis: missing en translation"),
        (_set("T1", "basis", "Art. 17"), "criterion T1: basis: missing, expected an object"),
        (_set("X1", "exception_to", "G44"), "criterion X1: exception refers to unknown gate 'G44'"),
        (_set("X1", "exception_to", "C2"), "criterion X1: exception refers to unknown gate 'C2'"),
        (_drop("X1", "exception_to"), "criterion X1: an exception must name the gate"),
        (_set("C2", "exception_to", "G4"), "criterion C2: only an exception may have 'exception_to'"),
        (_drop("T4", "effect"), "criterion T4: unknown ground effect None"),
        (_set("T4", "effect", "acquitted"), "criterion T4: unknown ground effect 'acquitted'"),
        (_set("F1", "effect", "tolerable"), "criterion F1: only a ground may have an 'effect'"),
        (_set("G1", "exeption_to", "G4"), "criterion G1: unknown key"),
        (_set("G1", "id", ""), "criterion #3: 'id' must be a non-empty string"),
    ],
)
def test_a_broken_ruleset_is_refused_with_a_clear_message(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = shipped()
    change(data)

    with pytest.raises(RulesetError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        read_ruleset(write(tmp_path, data))
    assert str(raised.value).startswith("ruleset 'zigong-v1': ")


def test_a_ruleset_whose_name_does_not_match_its_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="'name' must be 'zigong-v9'"):
        read_ruleset(write(tmp_path, shipped(), name="zigong-v9"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object"),
        ({"name": "draft", "title": {"zh": "草案", "en": "Draft"}, "criteria": []}, "non-empty list"),
        ({"name": "draft", "title": {"zh": "草案"}, "criteria": [{}]}, "title: missing en translation"),
        ({"name": "draft", "title": {"zh": "草案", "en": "Draft"}, "criteria": ["S1"]}, "expected a JSON object"),
        ({"name": "draft", "title": {"zh": "草案", "en": "Draft"}, "criteria": [], "steps": []}, "unknown key"),
    ],
)
def test_malformed_ruleset_data_is_refused(data: object, message: str) -> None:
    with pytest.raises(RulesetError, match=message):
        parse_ruleset(data, name="draft")


def test_a_ruleset_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "draft.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(RulesetError, match="ruleset 'draft' is not valid JSON"):
        read_ruleset(path)


def test_a_missing_ruleset_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="cannot be read"):
        read_ruleset(tmp_path / "nowhere.json")


def test_an_exception_may_be_listed_before_its_gate() -> None:
    data = shipped()
    x1 = criterion(data, "X1")
    data["criteria"].remove(x1)
    data["criteria"].insert(0, x1)

    assert parse_ruleset(data, name="zigong-v1").exceptions_to("G4")[0].id == "X1"
