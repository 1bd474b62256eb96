"""The checks every service starts with: who is acting, whether they may, and that a text they must give is
there and fits its column. Each app's services add their own state check (its InvalidTransition) and lock.

Raises Django's PermissionDenied (a 403 with its message when it has one) and ValidationError on the named
field (the form shows it), as the views expect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from project.org.models import User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model
    from django_stubs_ext import StrOrPromise


def acting_person(actor: User | AnonymousUser | None) -> User:
    """The logged-in person a service acts for; anyone else (nobody, an anonymous visitor) is refused."""
    if actor is None or not actor.is_authenticated or not isinstance(actor, User):
        raise PermissionDenied
    return actor


def allow(allowed: bool, message: StrOrPromise = "") -> None:
    """A permission predicate's answer: refused with the message (shown on the 403 page) when it is no."""
    if not allowed:
        raise PermissionDenied(message)


def required_text(value: str | None, field: str, message: str, limit: int | None = None) -> str:
    """The text stripped of surrounding space; a blank one is an error on `field`, and so is one longer than
    `limit` characters (never cut short: what a person wrote is kept whole or refused)."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationError({field: message})
    return cleaned if limit is None else bounded_text(cleaned, field, limit)


def bounded_text(value: str | None, field: str, limit: int) -> str:
    """The text stripped of surrounding space; one longer than `limit` characters is an error on `field`.

    The forms say the same with max_length; this is for the callers without a form (the API, commands)."""
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        message = _("At most %(limit)s characters (this text has %(length)s).")
        raise ValidationError({field: message % {"limit": limit, "length": len(cleaned)}})
    return cleaned


def column_length(model: type[Model], field: str) -> int:
    """The most characters the model's text column holds (its max_length): the limit a service checks."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return length
