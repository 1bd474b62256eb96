"""The project's one Chinese catalogue, locale/zh_Hans/LC_MESSAGES/django.po, stays complete.

After adding or changing a translatable string, refresh the catalogue from the project root with

    DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete \\
        --ignore='.venv/*' --ignore='var/*' --ignore='static/vendor/*' --ignore='tests/*'

translate every new entry (no fuzzy flags left), then `make messages` compiles it. An app must not keep
a `locale/` folder of its own: makemessages would put that app's strings there instead.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")

# %(name)s, %s, %d … (not the literal %% nor a lone % as in "weight (%)"), {name}, and HTML tags.
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}"
)
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        context = f" [msgctxt {self.msgctxt!r}]" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")\s*$")


def _string(literal: str, path: Path, number: int) -> str:
    try:
        value = ast.literal_eval(literal)
    except (SyntaxError, ValueError) as error:
        raise AssertionError(f"{path}:{number}: not a PO string: {literal}") from error
    assert isinstance(value, str), f"{path}:{number}: not a PO string: {literal}"
    return value


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: msgctxt, msgid_plural, msgstr[n], continued strings, flags and obsolete (#~) entries."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgid or current.msgstr):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                finish()  # a comment after a complete entry starts the next one
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and current is not None and target is not None and target[0] == "msgstr":
                finish()
            if current is None:
                current = Entry(line=number)
            current.obsolete = current.obsolete or obsolete
            value = _string(literal, path, number)
            if keyword == "msgstr":
                plural_index = int(index) if index is not None else 0
                target = ("msgstr", plural_index)
                current.msgstr[plural_index] = value
            else:
                target = (keyword, None)
                setattr(current, keyword, value)
            continue
        if line.startswith('"') and current is not None and target is not None:
            value = _string(line, path, number)
            name, plural_index = target
            if plural_index is not None:
                current.msgstr[plural_index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        raise AssertionError(f"{path}:{number}: cannot read this line: {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if entry.msgid and not entry.obsolete]


def _tokens(pattern: re.Pattern[str], text: str) -> set[str]:
    return set(pattern.findall(text.replace("%%", "")))


def test_the_catalogue_has_a_chinese_header() -> None:
    header = next(entry for entry in parse_po(CATALOGUE) if entry.msgid == "")
    text = header.msgstr[0]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "fuzzy" not in header.flags


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = messages(CATALOGUE)
    assert len(entries) > 100, "the catalogue looks truncated"
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{entry}: fuzzy (check the translation, then remove the flag)")
        if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values()):
            problems.append(f"{entry}: not translated")
        if entry.msgid_plural is not None and sorted(entry.msgstr) != [0]:
            problems.append(f"{entry}: Chinese has one plural form: only msgstr[0]")
    assert not problems, f"{CATALOGUE.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_translations_keep_every_placeholder_and_tag() -> None:
    problems = []
    for entry in messages(CATALOGUE):
        source = entry.msgid + " " + (entry.msgid_plural or "")
        for index, text in entry.msgstr.items():
            if not text:
                continue  # reported by the completeness test
            for kind, pattern in (("placeholders", PLACEHOLDER), ("HTML tags", HTML_TAG)):
                expected, found = _tokens(pattern, source), _tokens(pattern, text)
                if expected != found:
                    problems.append(
                        f"{entry} msgstr[{index}]: {kind} differ: missing {sorted(expected - found)},"
                        f" unexpected {sorted(found - expected)}"
                    )
    assert not problems, "\n".join(problems)


def test_no_msgid_appears_twice() -> None:
    seen: dict[tuple[str | None, str], Entry] = {}
    duplicates = []
    for entry in messages(CATALOGUE):
        if entry.key in seen:
            duplicates.append(f"{entry} (first at line {seen[entry.key].line})")
        seen[entry.key] = entry
    assert not duplicates, "\n".join(duplicates)


def test_msgfmt_accepts_the_catalogue() -> None:
    # gettext is a required system package (scripts/system-deps.sh).
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", os.devnull, str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _copy_sources(destination: Path) -> None:
    """The files makemessages reads, without app-level locale folders (so everything lands in locale/)."""
    skip = shutil.ignore_patterns("locale", "__pycache__", "*.mo", "*.pyc")
    for name in ("project", "evaluations", "cases", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, destination / name, ignore=skip)
    shutil.copy2(ROOT / "manage.py", destination / "manage.py")
    shutil.copytree(ROOT / "locale", destination / "locale", ignore=shutil.ignore_patterns("*.mo"))


@pytest.mark.slow
def test_the_catalogue_has_every_string_of_the_sources(tmp_path: Path) -> None:
    """makemessages on a copy of the sources finds nothing that the catalogue lacks, and nothing obsolete."""
    _copy_sources(tmp_path)
    environment = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path / "var")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--ignore=var/*"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh = {entry.key: entry for entry in messages(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    current = {entry.key: entry for entry in messages(CATALOGUE)}
    missing = sorted(f"{key[1]!r}" + (f" [msgctxt {key[0]!r}]" if key[0] else "") for key in fresh.keys() - current)
    obsolete = sorted(str(current[key]) for key in current.keys() - fresh)
    advice = "locale/zh_Hans/LC_MESSAGES/django.po is out of date: run makemessages (see this file's docstring)"
    assert not missing, f"{advice} and translate these new strings:\n  " + "\n  ".join(missing)
    assert not obsolete, f"{advice} (--no-obsolete); these are no longer in the sources:\n  " + "\n  ".join(obsolete)


@pytest.fixture
def compiled_catalogue() -> None:
    if not COMPILED.exists() or COMPILED.stat().st_mtime < CATALOGUE.stat().st_mtime:
        pytest.fail(f"{COMPILED.relative_to(ROOT)} is missing or older than the .po file: run `make messages`")


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
@pytest.mark.parametrize(("language", "text"), [("zh-hans", "登录"), ("en", "Log in")])
def test_the_login_page_speaks_the_browser_language(client: Client, language: str, text: str) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert text in response.content.decode()
    if language == "en":
        assert "登录" not in response.content.decode()
