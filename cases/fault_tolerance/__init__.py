"""Fault tolerance (容错纠错): the pure rules engine and its versioned rulesets.

No Django here (an import-linter contract keeps it so): the engine recommends from a reviewer's answers,
and `cases` services decide what to store. See domain/FAULT_TOLERANCE.md.

    ruleset = load_ruleset("zigong-v1")
    assessment = assess(ruleset, {"S1": "yes", "S2": "yes", ...})
    assessment.outcome, assessment.missing, assessment.to_dict()
"""

from .answers import AnswerError, parse_answers
from .engine import PROCEDURE, Assessment, Note, Outcome, Reasons, Step, TraceStep, assess
from .model import ALLOWED_ANSWERS, Answer, Criterion, GroundEffect, Group, Ruleset, Text
from .ruleset import RulesetError, available_rulesets, load_ruleset, parse_ruleset, read_ruleset

__all__ = [
    "ALLOWED_ANSWERS",
    "PROCEDURE",
    "Answer",
    "AnswerError",
    "Assessment",
    "Criterion",
    "GroundEffect",
    "Group",
    "Note",
    "Outcome",
    "Reasons",
    "Ruleset",
    "RulesetError",
    "Step",
    "Text",
    "TraceStep",
    "assess",
    "available_rulesets",
    "load_ruleset",
    "parse_answers",
    "parse_ruleset",
    "read_ruleset",
]
