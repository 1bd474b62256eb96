"""`manage.py assess_fault_tolerance`: the real command, in process and as a subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .scenarios import clean

ROOT = Path(__file__).resolve().parents[3]
MANAGE = ROOT / "manage.py"


def write(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "matter.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MANAGE), "assess_fault_tolerance", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_call_command_prints_the_assessment(tmp_path: Path) -> None:
    out = io.StringIO()
    path = write(tmp_path, {"ruleset": "zigong-v1", "answers": clean(G4="yes", X1="yes")})

    call_command("assess_fault_tolerance", str(path), stdout=out)

    assert json.loads(out.getvalue())["outcome"] == "EXEMPT"


def test_call_command_reads_standard_input() -> None:
    out = io.StringIO()
    payload = json.dumps({"ruleset": "zigong-v1", "answers": clean(T4="yes", F3="unfavourable")})

    call_command("assess_fault_tolerance", "-", stdin=io.StringIO(payload), stdout=out)

    assert json.loads(out.getvalue())["outcome"] == "NO_FAULT"


def test_call_command_raises_a_command_error_with_return_code_two(tmp_path: Path) -> None:
    path = write(tmp_path, {"ruleset": "zigong-v1", "answers": {"G11": "yes"}})

    with pytest.raises(CommandError, match="unknown criterion 'G11'") as raised:
        call_command("assess_fault_tolerance", str(path))
    assert raised.value.returncode == 2


@pytest.mark.slow
def test_the_command_line_prints_json_and_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, {"ruleset": "zigong-v1", "answers": clean(G1="yes", A2="yes")})

    result = manage(str(path))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "NOT_TOLERATED"
    assert data["aggravated"] is True
    assert "不予容错" in result.stdout


@pytest.mark.slow
def test_the_command_line_reads_standard_input_for_a_dash() -> None:
    result = manage("-", stdin=json.dumps({"ruleset": "zigong-v1", "answers": {}}))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["missing"] == ["S1", "S2"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "stdin",
    [
        "{not json",
        "[]",
        '{"answers": {}}',
        '{"ruleset": "zigong-v9", "answers": {}}',
        '{"ruleset": "zigong-v1", "answers": "S1=yes"}',
        '{"ruleset": "zigong-v1", "answers": {"G11": "yes"}}',
        '{"ruleset": "zigong-v1", "answers": {"S1": "partly"}}',
        '{"ruleset": "zigong-v1", "answers": {"S1": true}}',
    ],
)
def test_the_command_line_exits_two_with_one_line_on_stderr_for_malformed_input(stdin: str) -> None:
    result = manage("-", stdin=stdin)

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_command_line_exits_two_for_an_unreadable_file(tmp_path: Path) -> None:
    result = manage(str(tmp_path / "nowhere.json"))

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot read" in result.stderr


def test_the_command_without_a_file_exits_2_with_one_line() -> None:
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "manage.py", "assess_fault_tolerance"],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "missing FILE" in result.stderr
