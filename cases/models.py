"""The cases app's models, defined in their sub-packages and listed here so that Django finds them."""

from cases.matters.models import (
    AccountabilityMatter,
    ChecklistAnswer,
    CorrectionTask,
    MatterDecision,
    MatterFeedback,
    MatterReviewer,
    Reminder,
    RiskPreRegistration,
)
from cases.rectification.models import (
    CareMeasure,
    Commitment,
    RectificationCase,
    RectificationPlan,
    Talk,
)

__all__ = [
    "AccountabilityMatter",
    "CareMeasure",
    "ChecklistAnswer",
    "Commitment",
    "CorrectionTask",
    "MatterDecision",
    "MatterFeedback",
    "MatterReviewer",
    "RectificationCase",
    "RectificationPlan",
    "Reminder",
    "RiskPreRegistration",
    "Talk",
]
