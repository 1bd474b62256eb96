"""The steps of a matter or a case as data: name → the form it takes, the service that runs it, the message
when done and the page it belongs to; one POST view runs any of them (`action_post`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from project.http import add_service_errors, found_or_404, request_user
from project.org.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Target = TypeVar("Target", bound=models.Model)


@dataclass(frozen=True)
class Action(Generic[Target]):
    form: Callable[[Any, Target, User], forms.Form]  # (POST data or None, the target, the user)
    run: Callable[[User, Target, forms.Form], object]  # calls the service with the valid form's data
    done: StrOrPromise
    page: str = "detail"  # the URL name of the page the step is on, in the app's namespace


def action_post(
    request: HttpRequest,
    target: Target,
    name: str,
    actions: Mapping[str, Action[Target]],
    *,
    namespace: str,
    pages: Mapping[str, Callable[[HttpRequest, Target, dict[str, forms.Form], int], HttpResponse]],
) -> HttpResponse:
    """Run the step `name` (unknown → 404): done → its message and a redirect to its page; an invalid form or
    the service's ValidationError → its page again with the form and its errors (400)."""
    action = found_or_404(actions.get(name))
    user = request_user(request)
    form = action.form(request.POST, target, user)
    if form.is_valid():
        try:
            action.run(user, target, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, str(action.done))
            return redirect(f"{namespace}:{action.page}", pk=target.pk)
    # The page shows the state as it is now, not as the refused service may have left it in memory.
    target.refresh_from_db()
    return pages[action.page](request, target, {name: form}, 400)
