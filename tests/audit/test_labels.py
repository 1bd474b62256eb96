"""Every audit event reads in the reader's language: each action code a service writes has a label.

The codes are read from the source (every call of `audit_record`, `audit_record_many`,
`audit_log_read` and the apps' `audit` helpers), so a new code without a label fails here, before an
English summary shows on a Chinese page.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.rectification.models import CaseState
from evaluations.models import IDENTIFIED_RELATIONS
from project.audit.labels import action_name, event_label, labelled_codes, register_object_pages
from project.audit.models import AuditEvent
from tests.cases.rectification.states import confirmed
from tests.conftest import Personas

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("project", "evaluations", "cases")
WRITERS = {"audit_record", "audit_record_many", "audit"}
# The helpers' own bodies pass their `action` argument on: their callers are read instead.
FORWARDERS = {"audit", "audit_record", "audit_record_many"}
# f-string codes, with every value they can take (the placeholder is written "{}").
DYNAMIC = {
    "evaluation_rating.submit_{}": [f"evaluation_rating.submit_{value}" for value, _ in IDENTIFIED_RELATIONS],
}


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _codes(node: ast.expr, where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, where) + _codes(node.orelse, where)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values)
        assert pattern in DYNAMIC, f"{where}: add the values of the action code {pattern!r} to DYNAMIC"
        return DYNAMIC[pattern]
    raise AssertionError(f"{where}: cannot tell which action code this call writes ({ast.unparse(node)})")


def written_codes() -> dict[str, str]:
    """Every action code the code base writes, with one place that writes it."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            forwarding = {
                id(node)
                for function in ast.walk(tree)
                if isinstance(function, ast.FunctionDef) and function.name in FORWARDERS
                for node in ast.walk(function)
            }
            # The matter services' helper writes "matter.<action>".
            prefix = "matter." if relative.parts[:2] == ("cases", "matters") else ""
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or id(node) in forwarding:
                    continue
                name = _callee(node)
                where = f"{relative}:{node.lineno}"
                if name == "audit_log_read":
                    found.setdefault("read", where)
                    continue
                if name not in WRITERS:
                    continue
                keyword = next((k.value for k in node.keywords if k.arg == "action"), None)
                if name == "audit":
                    assert keyword is None, f"{where}: audit(actor, action, ...) expected"
                    assert len(node.args) >= 2, f"{where}: audit(actor, action, ...) expected"
                    codes = [prefix + code for code in _codes(node.args[1], where)]
                else:
                    assert keyword is not None, f"{where}: {name} without action="
                    codes = _codes(keyword, where)
                for code in codes:
                    found.setdefault(code, where)
    return found


def event(action: str, summary: str = "the stored summary", object_id: str = "7", **data: object) -> AuditEvent:
    return AuditEvent(
        action=action, summary=summary, object_type="cases.rectificationcase", object_id=object_id, data=data
    )


def test_the_scan_finds_the_codes_of_every_layer() -> None:
    codes = written_codes()
    for expected in ("read", "unit.create", "evaluation_round.open", "case.confirm", "matter.accept", "visit.seal"):
        assert expected in codes, expected
    assert "evaluation_rating.submit_self" in codes
    assert len(codes) > 80


def test_every_action_code_a_service_writes_has_a_label() -> None:
    missing = {code: where for code, where in written_codes().items() if code not in labelled_codes()}
    assert not missing, (
        f"audit action codes without a label in project.audit.labels or an app's audit_labels: {missing}"
    )


def test_an_unknown_code_reads_as_the_stored_summary() -> None:
    assert event_label(event("nobody.wrote_this", summary="did something")) == "did something"


def test_a_label_whose_data_is_missing_reads_as_the_stored_summary() -> None:
    # An event written before its data carried the months reads as it was written.
    assert event_label(event("case.plan", summary="plan #3 for case #7, 6 months")) == "plan #3 for case #7, 6 months"


def test_a_step_names_both_states_in_the_readers_language() -> None:
    confirmed = event("case.confirm")
    with translation.override("en"):
        english = confirmed.label
    with translation.override("zh-hans"):
        chinese = confirmed.label
    assert str(CaseState.NOMINATED.label) in english
    assert "confirmed as a rectification target" in english
    with translation.override("zh-hans"):
        assert str(CaseState.NOMINATED.label) in chinese
        assert str(CaseState.CONFIRMED.label) in chinese
    assert chinese != english
    assert "the stored summary" not in english + chinese


def test_choice_values_show_their_labels() -> None:
    with translation.override("en"):
        assert "worse (变差)" in event("visit.execute", verdict="worse").label
        assert "retired (退休)" in event("case.withdraw", reason="retired").label
        # a value no enum knows shows as stored
        assert "gone" in event("case.withdraw", reason="gone").label


def test_a_read_names_the_object_and_what_was_read() -> None:
    read = event("read", summary="viewed rectification case #7 (case file)")
    with translation.override("en"):
        assert read.label.startswith("viewed rectification case")
        assert read.label.endswith("#7 (case file)")
    unknown_what = event("read", summary="viewed rectification case #7 (attachment G3)")
    with translation.override("en"):
        assert unknown_what.label.endswith("#7")
    lost = AuditEvent(action="read", summary="viewed a thing", object_type="nope.gone", object_id="1")
    assert lost.label == "viewed a thing"


@pytest.mark.parametrize("code", sorted(labelled_codes()))
def test_every_label_renders_without_data_or_falls_back(code: str) -> None:
    # No label may raise on an event without the data it expects (an old or hand-made event).
    with translation.override("zh-hans"):
        assert event_label(event(code, summary="fallback"))


@pytest.mark.parametrize("code", sorted(labelled_codes()))
def test_every_action_has_a_name_for_the_filter_in_both_languages(code: str) -> None:
    # The trail's action filter offers each action by name: a label computed from its event is registered
    # with its words (labels.Worded), never as a bare function whose action could only show as its code.
    with translation.override("en"):
        english = action_name(code)
    with translation.override("zh-hans"):
        chinese = action_name(code)
    assert english != code
    assert chinese != english
    assert "%(" not in english + chinese


def test_an_actions_name_is_its_label_with_the_placeholders_left_out() -> None:
    with translation.override("en"):
        assert action_name("matter.task_add") == "added correction task #… for …, due …"
        assert action_name("case.confirm") == "confirmed as a rectification target"  # a step: without its states
        assert action_name("read") == "viewed an object"
        assert action_name("nobody.wrote_this") == "nobody.wrote_this"


@pytest.mark.django_db
def test_the_auditors_list_shows_the_label_and_keeps_the_stored_summary_at_hand(personas: Personas) -> None:
    case = confirmed(personas)
    client = Client()
    client.force_login(personas.audrey, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("audit:event_list"), {"action": "case.confirm"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "confirmed as a rectification target (from nominated" in html
    assert f'title="confirmed case #{case.pk} as a rectification target"' in html


def test_a_model_gets_one_object_page() -> None:
    register_object_pages({"cases.rectificationcase": "cases:rectification:detail"})  # the same again: fine
    with pytest.raises(ImproperlyConfigured):
        register_object_pages({"cases.rectificationcase": "cases:rectification:talk_detail"})
