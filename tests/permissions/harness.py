"""How the matrix asks: every URL name of the URLconf, one request, and its answer as an outcome."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver, reverse


class Outcome(StrEnum):
    OK = "ok"  # 200, or a redirect to a page that is not the login page
    LOGIN = "login"  # a redirect to the login page
    INVALID = "400"  # allowed, but the empty form was refused
    UNAUTHORIZED = "401"  # the API to an anonymous request (it has no login page to redirect to)
    FORBIDDEN = "403"  # visible but not allowed
    HIDDEN = "404"  # not visible (exactly like a missing object)
    METHOD = "405"  # wrong method
    CONFLICT = "409"  # allowed, but not in this state
    GONE = "410"  # a used or closed ballot


_LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def outcome_of(response: HttpResponseBase) -> Outcome | int:
    """The outcome of a response, or its status code when it is none of the declared ones."""
    if response.status_code in (301, 302, 303):
        location = response.headers.get("Location", "")
        return Outcome.LOGIN if location.split("?")[0].endswith(_LOGIN_PATHS) else Outcome.OK
    if response.status_code == 200:
        return Outcome.OK
    try:
        return Outcome(str(response.status_code))
    except ValueError:
        return response.status_code


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, str]]:
    """(full name, route) of every URL pattern, walking included URLconfs; unnamed ones as "<unnamed>"."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {namespace}{pattern.pattern}>"
            yield name, str(pattern.pattern)


def url_for(name: str, kwargs: dict[str, object] | None) -> str:
    return reverse(name, kwargs=kwargs or None)
