"""The evidence frozen at nomination, as the case page and the dossier show it (cases/rectification/evidence.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from cases.rectification import services
from cases.rectification.evidence import evidence_rows
from cases.rectification.models import RectificationCase
from tests.cases.rectification.states import PEER_COMMENT
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# The shape evaluations.results.candidate_json freezes (a round's candidate), with a peer comment.
CANDIDATE: dict[str, Any] = {
    "cadre_id": 165,
    "external_id": "SF00165",
    "name": "江帅明",
    "unit": {"id": 13, "code": "SF-DH-HBJD", "name": "东湖区湖滨街道办事处"},
    "composite": 2.83,
    "figures": {
        "composite": 2.83,
        "gap": None,
        "self": None,
        "leader": {"sheets": 1, "mean": 3.0, "unfavourable": 1, "per_manifestation": {"M1": 3.0}},
        "peer": {"withheld": False, "sheets": 8, "raw_mean": 2.9, "adjusted_mean": 2.83, "unfavourable": 7},
        "unfavourable": {"leader_only": False, "percent": "89%", "sheets": 9, "unfavourable": 8},
    },
    "flags": [
        {
            "code": "composite",
            "decisive": True,
            "en": "Composite index 2.83 is at or above 2.00.",
            "zh": "综合指数 2.83，达到阈值 2.00。",
        }
    ],
    "notes": [{"code": "weights_renormalised", "en": "Weights renormalised.", "zh": "其余权重按比例重新归一。"}],
    "peer_comments": [PEER_COMMENT],
}


def _rows(personas: Personas, language: str, who: str = "alice") -> dict[str, list[str]]:
    case = RectificationCase.objects.filter(cadre=personas.carl_cadre).first() or services.case_nominate(
        actor=None, cadre=personas.carl_cadre, evidence=CANDIDATE, manifestations=["M3"]
    )
    with translation.override(language):
        return {str(label): lines for label, lines in evidence_rows(getattr(personas, who), case)}


def test_a_candidates_evidence_reads_as_words_and_figures_in_english(personas: Personas) -> None:
    rows = _rows(personas, "en")
    assert rows["reasons for the nomination"] == ["Composite index 2.83 is at or above 2.00."]
    assert rows["composite index"] == ["2.83"]
    assert rows["peer evaluation (同事互评)"] == ["8 sheets, mean 2.90, adjusted for severe and lenient raters 2.83"]
    assert rows["leader's comment (领导点评)"] == ["1 sheet, mean 3.00"]
    assert rows["self-evaluation (个人自评)"] == ["no sheets"]
    assert rows["unfavourable grades (基本称职、不称职)"] == ["8/9 (89%)"]
    assert rows["notes"] == ["Weights renormalised."]
    shown = repr(rows)
    for internal in ("cadre_id", "external_id", "figures", "'code'", "decisive", "综合指数"):
        assert internal not in shown


def test_in_chinese_only_the_chinese_sentences_are_shown(personas: Personas) -> None:
    lines = [line for lines in _rows(personas, "zh-hans").values() for line in lines]
    assert "综合指数 2.83，达到阈值 2.00。" in lines
    assert "其余权重按比例重新归一。" in lines
    assert not any("Composite index" in line or "renormalised" in line for line in lines)


def test_peer_comments_stay_with_the_organization_department(personas: Personas) -> None:
    assert any(PEER_COMMENT in lines for lines in _rows(personas, "en").values())
    assert not any(PEER_COMMENT in lines for lines in _rows(personas, "en", who="leo").values())
