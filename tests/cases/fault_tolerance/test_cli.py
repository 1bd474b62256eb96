"""The command-line contract through its plain functions: JSON text in, exit code and output out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cases.fault_tolerance.cli import EXIT_MALFORMED, EXIT_OK, run, run_file

from .scenarios import clean

CONTRACT_KEYS = {"outcome", "aggravated", "requires_correction", "missing", "trace", "reasons", "ruleset"}


def contract(answers: object, ruleset: object = "zigong-v1") -> str:
    return json.dumps({"ruleset": ruleset, "answers": answers}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({"S1": "no"}, "OUT_OF_SCOPE"),
        ({}, "INSUFFICIENT"),
        (clean(G2="yes"), "NOT_TOLERATED"),
        (clean(T4="yes"), "NO_FAULT"),
        (clean(T5="yes"), "NOT_PURSUED"),
        (clean(), "EXEMPT"),
        (clean(F3="unfavourable"), "REDUCED"),
    ],
)
def test_every_outcome_exits_zero_with_the_contract_json(answers: dict[str, str], outcome: str) -> None:
    exit_code, output = run(contract(answers))

    assert exit_code == EXIT_OK
    data = json.loads(output)
    assert set(data) == CONTRACT_KEYS
    assert data["outcome"] == outcome
    assert data["ruleset"] == "zigong-v1"


def test_the_spec_example_input_is_accepted() -> None:
    exit_code, output = run('{"ruleset": "zigong-v1", "answers": {"S1": "yes", "G4": "yes", "X1": "yes"}}')

    assert exit_code == EXIT_OK
    data = json.loads(output)
    assert data["outcome"] == "INSUFFICIENT"
    assert data["missing"] == ["S2"]


def test_the_output_keeps_chinese_readable_and_sorts_keys() -> None:
    _, output = run(contract(clean(G1="yes", A1="yes")))

    assert "不予容错" in output
    assert "\\u" not in output
    assert list(json.loads(output)) == sorted(CONTRACT_KEYS)


def test_the_same_input_always_prints_the_same_bytes() -> None:
    answers = clean(G4="yes", X1="yes", C2="partly")
    shuffled = dict(reversed(answers.items()))

    assert run(contract(answers)) == run(contract(answers)) == run(contract(shuffled))


def test_missing_ids_are_printed_sorted() -> None:
    _, output = run(contract(clean(G10="unknown", G2="unknown", G4="yes", X1="unknown")))

    assert json.loads(output)["missing"] == ["G10", "G2", "X1"]


def test_other_top_level_keys_are_ignored() -> None:
    text = json.dumps({"ruleset": "zigong-v1", "answers": {"S1": "no"}, "note": "flood of July"})

    assert run(text).exit_code == EXIT_OK


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "input is not valid JSON"),
        ("{not json", "input is not valid JSON"),
        ("[]", "input must be a JSON object, got an array"),
        ('"zigong-v1"', "input must be a JSON object, got a string"),
        ("null", "input must be a JSON object, got null"),
        ('{"answers": {}}', 'input has no "ruleset"'),
        ('{"ruleset": null, "answers": {}}', '"ruleset" must be a string, got null'),
        ('{"ruleset": 1, "answers": {}}', '"ruleset" must be a string, got a number'),
        ('{"ruleset": "zigong-v9", "answers": {}}', "unknown ruleset 'zigong-v9'; available: zigong-v1"),
        ('{"ruleset": "../../etc/passwd", "answers": {}}', "unknown ruleset '../../etc/passwd'"),
        ('{"ruleset": "zigong-v1"}', 'input has no "answers"'),
        ('{"ruleset": "zigong-v1", "answers": ["S1"]}', '"answers" must be a JSON object, got an array'),
        ('{"ruleset": "zigong-v1", "answers": null}', '"answers" must be a JSON object, got null'),
        ('{"ruleset": "zigong-v1", "answers": {"G11": "yes"}}', "unknown criterion 'G11'"),
        ('{"ruleset": "zigong-v1", "answers": {"S1": "partly"}}', "answer 'partly' is not allowed for S1"),
        ('{"ruleset": "zigong-v1", "answers": {"F3": "yes"}}', "answer 'yes' is not allowed for F3"),
        ('{"ruleset": "zigong-v1", "answers": {"S1": true}}', "answer to S1 must be a string"),
        ('{"ruleset": "zigong-v1", "answers": {"S1": null}}', "answer to S1 must be a string"),
        ('{"ruleset": "zigong-v1", "answers": {"S1": 1}}', "answer to S1 must be a string"),
        ("[" * 100_000, "input is not valid JSON"),
    ],
)
def test_malformed_input_exits_two_with_a_one_line_error(text: str, message: str) -> None:
    exit_code, output = run(text)

    assert exit_code == EXIT_MALFORMED
    assert message in output
    assert "\n" not in output
    assert output.strip() == output


def test_an_error_message_with_a_newline_in_the_input_stays_on_one_line() -> None:
    exit_code, output = run('{"ruleset": "zigong-v1", "answers": {"S1\\nS2": "yes"}}')

    assert exit_code == EXIT_MALFORMED
    assert "\n" not in output


def test_a_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "matter.json"
    path.write_text(contract(clean(T5="yes")), encoding="utf-8")

    exit_code, output = run_file(str(path), stdin=io.StringIO())

    assert exit_code == EXIT_OK
    assert json.loads(output)["outcome"] == "NOT_PURSUED"


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "matter.json"
    path.write_text(contract({"S1": "no"}), encoding="utf-8-sig")

    assert run_file(str(path), stdin=io.StringIO()).exit_code == EXIT_OK


def test_a_dash_reads_standard_input() -> None:
    exit_code, output = run_file("-", stdin=io.StringIO(contract({"S2": "no"})))

    assert exit_code == EXIT_OK
    assert json.loads(output)["outcome"] == "OUT_OF_SCOPE"


def test_an_unreadable_file_exits_two_with_a_one_line_error(tmp_path: Path) -> None:
    exit_code, output = run_file(str(tmp_path / "nowhere.json"), stdin=io.StringIO())

    assert exit_code == EXIT_MALFORMED
    assert output.startswith("cannot read ")
    assert "\n" not in output


def test_a_directory_exits_two(tmp_path: Path) -> None:
    assert run_file(str(tmp_path), stdin=io.StringIO()).exit_code == EXIT_MALFORMED


def test_a_file_that_is_not_utf8_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "matter.json"
    path.write_bytes('{"ruleset": "自贡"}'.encode("gb18030"))

    exit_code, output = run_file(str(path), stdin=io.StringIO())

    assert exit_code == EXIT_MALFORMED
    assert output.startswith("cannot read ")
