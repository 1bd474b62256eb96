"""Loading and validating rulesets, the versioned data files in this package's `rulesets/` directory.

A ruleset file is JSON:

    {"name": "zigong-v1",
     "title": {"zh": "...", "en": "..."},
     "criteria": [{"id": "S1", "group": "scope", "zh": "...", "en": "...",
                   "basis": {"zh": "...", "en": "..."}},
                  {"id": "X1", "group": "exception", "exception_to": "G4", ...},
                  {"id": "T4", "group": "ground", "effect": "no_fault", ...}, ...]}

Everything is checked on load, so a broken file fails at the first use with a message naming the
ruleset and the criterion, never halfway through an assessment.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from .model import Criterion, GroundEffect, Group, Ruleset, Text

_PACKAGE_DIR = "rulesets"
_SUFFIX = ".json"
# Ruleset names become file names; anything else (slashes, dots) is refused before touching the disk.
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CRITERION_KEYS = frozenset({"id", "group", "zh", "en", "basis", "exception_to", "effect"})
_TOP_KEYS = frozenset({"name", "title", "criteria"})
# Plain strings, so a membership test is safe whatever JSON type the file holds.
_GROUPS = tuple(group.value for group in Group)
_EFFECTS = tuple(effect.value for effect in GroundEffect)


class RulesetError(ValueError):
    """A ruleset is unknown, unreadable or invalid. The message says which and why."""


def available_rulesets() -> tuple[str, ...]:
    """Names of the rulesets shipped with the package, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(_SUFFIX)
            for entry in _rulesets_dir().iterdir()
            if entry.is_file() and entry.name.endswith(_SUFFIX) and _NAME.match(entry.name.removesuffix(_SUFFIX))
        )
    )


@functools.cache
def load_ruleset(name: str) -> Ruleset:
    """The shipped ruleset called `name`, validated. Cached: rulesets are immutable data.

    Raises RulesetError for an unknown name or an invalid file.
    """
    if not isinstance(name, str) or not _NAME.match(name) or name not in available_rulesets():
        known = ", ".join(available_rulesets()) or "none"
        raise RulesetError(f"unknown ruleset {name!r}; available: {known}")
    return _parse_text(_rulesets_dir().joinpath(name + _SUFFIX).read_text(encoding="utf-8"), name)


def read_ruleset(path: Path) -> Ruleset:
    """A ruleset from any file, validated and not cached; the file's stem must be its name.

    For checking a draft ruleset before it is shipped. Raises RulesetError.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"ruleset file {str(path)!r} cannot be read: {exc}") from exc
    return _parse_text(text, path.stem)


def parse_ruleset(data: object, *, name: str) -> Ruleset:
    """Validate already-decoded ruleset data that must be called `name`. Raises RulesetError."""
    where = f"ruleset {name!r}"
    top = _object(data, where)
    _no_unknown_keys(top, _TOP_KEYS, where)
    if top.get("name") != name:
        raise RulesetError(f"{where}: 'name' must be {name!r}, got {top.get('name')!r}")
    title = _text(top.get("title"), f"{where}: title")
    raw_criteria = top.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise RulesetError(f"{where}: 'criteria' must be a non-empty list")

    criteria: list[Criterion] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_criteria):
        criterion = _criterion(raw, ruleset_where=where, position=index + 1)
        if criterion.id in seen:
            raise RulesetError(f"{where}: duplicate criterion id {criterion.id!r}")
        seen.add(criterion.id)
        criteria.append(criterion)

    # Exceptions may be listed before their gate, so references are checked once every id is known.
    gates = {criterion.id for criterion in criteria if criterion.group is Group.GATE}
    for criterion in criteria:
        if criterion.exception_to is not None and criterion.exception_to not in gates:
            raise RulesetError(
                f"{where}: criterion {criterion.id}: exception refers to unknown gate {criterion.exception_to!r}"
            )
    return Ruleset(name=name, title=title, criteria=tuple(criteria))


def _rulesets_dir() -> Traversable:
    return resources.files(__package__ or "cases.fault_tolerance").joinpath(_PACKAGE_DIR)


def _parse_text(text: str, name: str) -> Ruleset:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesetError(f"ruleset {name!r} is not valid JSON: {exc}") from exc
    return parse_ruleset(data, name=name)


def _criterion(raw: object, *, ruleset_where: str, position: int) -> Criterion:
    item = _object(raw, f"{ruleset_where}: criterion #{position}")
    criterion_id = item.get("id")
    if not isinstance(criterion_id, str) or not criterion_id.strip():
        raise RulesetError(f"{ruleset_where}: criterion #{position}: 'id' must be a non-empty string")
    where = f"{ruleset_where}: criterion {criterion_id}"
    _no_unknown_keys(item, _CRITERION_KEYS, where)

    raw_group = item.get("group")
    if raw_group not in _GROUPS:
        raise RulesetError(f"{where}: unknown group {raw_group!r}; expected one of {', '.join(_GROUPS)}")
    group = Group(str(raw_group))

    wording = _text({"zh": item.get("zh"), "en": item.get("en")}, f"{where}: wording")
    if "basis" not in item:
        raise RulesetError(f"{where}: missing basis")
    basis = _text(item["basis"], f"{where}: basis")

    exception_to = item.get("exception_to")
    if group is Group.EXCEPTION:
        if not isinstance(exception_to, str) or not exception_to:
            raise RulesetError(f"{where}: an exception must name the gate it applies to in 'exception_to'")
    elif exception_to is not None:
        raise RulesetError(f"{where}: only an exception may have 'exception_to'")

    raw_effect = item.get("effect")
    effect: GroundEffect | None = None
    if group is Group.GROUND:
        if raw_effect not in _EFFECTS:
            raise RulesetError(f"{where}: unknown ground effect {raw_effect!r}; expected one of {', '.join(_EFFECTS)}")
        effect = GroundEffect(str(raw_effect))
    elif raw_effect is not None:
        raise RulesetError(f"{where}: only a ground may have an 'effect'")

    return Criterion(
        id=criterion_id, group=group, wording=wording, basis=basis, exception_to=exception_to, effect=effect
    )


def _object(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise RulesetError(f"{where}: expected a JSON object")
    return raw


def _no_unknown_keys(item: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    # A misspelt key ("exeption_to") would otherwise be silently ignored and change the procedure.
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise RulesetError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _text(raw: object, where: str) -> Text:
    if not isinstance(raw, dict):
        raise RulesetError(f"{where}: missing, expected an object with 'zh' and 'en'")
    for language in ("zh", "en"):
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip():
            raise RulesetError(f"{where}: missing {language} translation")
    return Text(zh=raw["zh"], en=raw["en"])
