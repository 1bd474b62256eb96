"""How views answer domain errors: one decorator, with each app's own pages; a service's ValidationError put
on the form; an object the user may not see answered like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from project.errors import InvalidTransition
from project.org.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])
Found = TypeVar("Found")


def domain_errors(*, conflict_template: str, forbidden_template: str) -> Callable[[View], View]:
    """InvalidTransition → 409 with its message; a PermissionDenied that has a message → 403 with it.

    A PermissionDenied without a message goes on to the site's 403 handler.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except InvalidTransition as error:
                return render(request, conflict_template, {"message": error.message}, status=409)
            except PermissionDenied as error:
                if not str(error):
                    raise
                return render(request, forbidden_template, {"message": str(error)}, status=403)

        return cast(View, wrapper)

    return decorate


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def found_or_404(found: Found | None) -> Found:
    """What a visibility selector found, or 404: an object the user may not see answers exactly like a missing one."""
    if found is None:
        raise Http404
    return found


def request_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind login_required (the request's user is never anonymous there)."""
    return cast(User, request.user)
