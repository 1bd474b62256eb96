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
from cases.rectification.circular_models import Circular, CircularCounter
from cases.rectification.models import (
    CareMeasure,
    CaseReminder,
    Commitment,
    Notification,
    RectificationCase,
    RectificationPlan,
    Talk,
)
from cases.rectification.visit_models import VisitAttachment, VisitObservation, VisitPlan

__all__ = [
    "AccountabilityMatter",
    "CareMeasure",
    "CaseReminder",
    "ChecklistAnswer",
    "Circular",
    "CircularCounter",
    "Commitment",
    "CorrectionTask",
    "MatterDecision",
    "MatterFeedback",
    "MatterReviewer",
    "Notification",
    "RectificationCase",
    "RectificationPlan",
    "Reminder",
    "RiskPreRegistration",
    "Talk",
    "VisitAttachment",
    "VisitObservation",
    "VisitPlan",
]
