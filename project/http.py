"""How views answer domain errors: one decorator, with each app's own pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from project.errors import InvalidTransition

View = TypeVar("View", bound=Callable[..., HttpResponse])


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
