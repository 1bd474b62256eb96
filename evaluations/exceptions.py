"""Domain errors of evaluations. Each carries a message a person can read; views map them to pages.

- InvalidTransition, RatingAlreadySubmitted → 409 with the message
- BallotUnavailable (used, or round not open) → 410 with the message
- BallotNotFound → 404
(PermissionDenied → 403 and django.core.exceptions.ValidationError → the form again come from Django.)
"""

from __future__ import annotations

from project import errors as project_errors
from project.errors import DomainError


class EvaluationError(DomainError):
    """Base class: `message` is shown to the person who asked."""


class InvalidTransition(EvaluationError, project_errors.InvalidTransition):
    """The round is not in a state that allows the requested change."""


class BallotNotFound(EvaluationError):
    """No ballot has this token (mistyped, or replaced by a reissue)."""


class BallotUnavailable(EvaluationError):
    """The ballot exists but cannot be used: `code` is "used" or "closed"."""


class RatingAlreadySubmitted(EvaluationError):
    """A self or leader rating is submitted once."""


class ResultsNotReady(EvaluationError):
    """The round's results are not identified (frozen) yet: 409 with the message."""
