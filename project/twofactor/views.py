"""Enrolment (scan the QR code, confirm a code) and verification after the password."""

from __future__ import annotations

from base64 import b32encode
from typing import cast

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from project.org.models import User
from project.twofactor import services
from project.twofactor.forms import TokenForm


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return wanted
    return str(settings.LOGIN_REDIRECT_URL)


def with_next(name: str, next_url: str) -> str:
    """The URL of a two-factor page that returns to `next_url` afterwards."""
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code of a new authenticator key; a correct code confirms it and logs the device in."""
    user = _user(request)
    if services.has_confirmed_device(user):
        return redirect(_next_url(request) if _is_verified(request) else "twofactor:verify")
    device = services.totp_device_pending(user=user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            tokens = services.totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"])
            if tokens is not None:
                django_otp.login(request, device)
                return render(request, "twofactor/backup_tokens.html", {"tokens": tokens, "next": _next_url(request)})
            if services.has_confirmed_device(user):  # the form sent twice: the first one enrolled the person
                return redirect(_next_url(request) if _is_verified(request) else "twofactor:verify")
            form.add_error("token", _("This code does not match. Check the time on your phone and try the new code."))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "twofactor/enrol.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the second factor after the password; a user with no device is sent to enrolment."""
    user = _user(request)
    if _is_verified(request):
        return redirect(_next_url(request))
    if not services.has_confirmed_device(user):
        return redirect(with_next("twofactor:enrol", _next_url(request)))
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            device = services.two_factor_verify(user=user, token=form.cleaned_data["token"])
            if device is not None:
                django_otp.login(request, device)
                # A new session key once the login is complete, as after the password.
                request.session.cycle_key()
                return redirect(_next_url(request))
            form.add_error("token", _("This code is not valid. Type the code your app shows now."))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next_url(request)}, status=status)
