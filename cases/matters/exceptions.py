"""Domain errors of accountability matters. Each carries a message a person can read.

Views map them: InvalidTransition → 409 with the message. PermissionDenied (Django's) → 403, with its
message when it has one; a matter the user may not see → 404; django ValidationError → the form again.
"""

from __future__ import annotations

from project import errors as project_errors
from project.errors import DomainError


class MatterError(DomainError):
    """Base class: `message` is shown to the person who asked."""


class InvalidTransition(MatterError, project_errors.InvalidTransition):
    """The matter is not in a state that allows the step, or a precondition of the step is not met."""
