"""The command-line contract, without Django: JSON text in, exit code and output out.

`manage.py assess_fault_tolerance` is a thin shell around `run_file`, so the whole contract (including
every error) is testable without settings, and another interface can reuse it unchanged.

Input:  {"ruleset": "zigong-v1", "answers": {"S1": "yes", ...}}   (other top-level keys are ignored)
Output: exit 0 with the assessment's JSON for every outcome; exit 2 with a one-line message for input
        that is malformed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple, TextIO

from .answers import AnswerError
from .engine import Assessment, assess
from .ruleset import RulesetError, load_ruleset

EXIT_OK = 0
EXIT_MALFORMED = 2
STDIN = "-"


class CliResult(NamedTuple):
    exit_code: int
    output: str


class InputError(ValueError):
    """The input cannot be assessed: unreadable, not JSON, or not shaped like the contract."""


def run_file(path: str, *, stdin: TextIO) -> CliResult:
    """Read the input from `path` (or `stdin` when path is "-") and apply the contract."""
    try:
        text = read_input(path, stdin=stdin)
    except InputError as exc:
        return CliResult(EXIT_MALFORMED, _one_line(str(exc)))
    return run(text)


def run(text: str) -> CliResult:
    """Apply the contract to the input text: (0, JSON) or (2, a one-line error)."""
    try:
        assessment = assess_input(text)
    except (InputError, RulesetError, AnswerError) as exc:
        return CliResult(EXIT_MALFORMED, _one_line(str(exc)))
    return CliResult(EXIT_OK, render(assessment))


def read_input(path: str, *, stdin: TextIO) -> str:
    """The input text. Raises InputError when it cannot be read."""
    try:
        if path == STDIN:
            return stdin.read()
        # utf-8-sig: files saved by Windows editors start with a BOM that json.loads would refuse.
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        source = "standard input" if path == STDIN else repr(path)
        raise InputError(f"cannot read {source}: {exc}") from exc


def assess_input(text: str) -> Assessment:
    """Assess contract input. Raises InputError, RulesetError or AnswerError for malformed input."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"input is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"input must be a JSON object, got {_json_type(data)}")
    if "ruleset" not in data:
        raise InputError('input has no "ruleset"; expected e.g. {"ruleset": "zigong-v1", "answers": {...}}')
    name = data["ruleset"]
    if not isinstance(name, str):
        raise InputError(f'"ruleset" must be a string, got {_json_type(name)}')
    ruleset = load_ruleset(name)
    if "answers" not in data:
        raise InputError('input has no "answers"; expected an object such as {"S1": "yes"}')
    answers = data["answers"]
    if not isinstance(answers, dict):
        raise InputError(f'"answers" must be a JSON object, got {_json_type(answers)}')
    return assess(ruleset, answers)


def render(assessment: Assessment) -> str:
    """The contract's JSON: Chinese kept readable, keys sorted so equal assessments print identically."""
    return json.dumps(assessment.to_dict(), ensure_ascii=False, sort_keys=True, indent=2)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _one_line(message: str) -> str:
    # Callers and scripts read the first stderr line; a path or JSON fragment must not split it.
    return " ".join(message.split())
