"""Refuse every page to a logged-in user who must use two factors and has not passed them yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from project.twofactor.permissions import must_use_two_factors
from project.twofactor.services import has_confirmed_device
from project.twofactor.views import with_next

# What an unverified user may still reach: the two-factor pages themselves, logging out, the language.
_OPEN_NAMESPACES = {"twofactor"}
_OPEN_URL_NAMES = {"logout", "set_language", "login"}


class TwoFactorRequiredMiddleware:
    """Place after django_otp's OTPMiddleware (it gives `request.user.is_verified()`).

    Pages answer with a redirect to verification (or to enrolment when the user has no device yet),
    htmx requests with HX-Redirect, the API with 403. Token-authenticated API calls are not session
    log-ins and never reach this check with a user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not must_use_two_factors(user) or user.is_verified():  # type: ignore[union-attr]
            return None
        match = request.resolver_match
        if match is not None and (match.namespace in _OPEN_NAMESPACES or match.url_name in _OPEN_URL_NAMES):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Log in with your second factor first.")}, status=403)
        page = "twofactor:verify" if has_confirmed_device(user) else "twofactor:enrol"  # type: ignore[arg-type]
        next_url = request.get_full_path() if request.method == "GET" else "/"
        target = with_next(page, next_url)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)
