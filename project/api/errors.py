"""One DRF exception handler: the API answers domain errors the way the pages do (project/http.py).

- project.errors.InvalidTransition (wrong state, unmet precondition, lost race) → 409 with its message;
  any other DomainError → its `http_status` if it declares one, else 409 (they all describe a conflict
  with what the data says now, e.g. results not identified yet, a rating already submitted);
- django.core.exceptions.PermissionDenied → 403, with its message when it has one;
- django.core.exceptions.ValidationError from a service → 400 with the messages per field
  (`non_field_errors` for the rest), the same shape as a serializer's errors;
- everything else: DRF's own handler (Http404 → 404, NotAuthenticated → 401/403, ...).

Bodies: `{"detail": "...", "code": "..."}` for 403 and 409, `{"field": ["..."]}` for 400.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from project.errors import DomainError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _domain(error: DomainError) -> Response:
    status_code = int(getattr(error, "http_status", status.HTTP_409_CONFLICT))
    return Response({"detail": error.message, "code": error.code or "conflict"}, status=status_code)


def _validation(error: DjangoValidationError) -> exceptions.ValidationError:
    detail: Any = get_error_detail(error)
    if not isinstance(detail, dict):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return exceptions.ValidationError(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: see the module docstring."""
    if isinstance(exc, DomainError):
        return _domain(exc)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = _validation(exc)
    return exception_handler(exc, context)
