"""Values every page's layout (templates/base.html) needs, whatever the view."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def language_next(request: HttpRequest) -> dict[str, str]:
    """Where the language switcher returns to: this page, when it was opened (GET).

    A page that answered a form (an error shown at the address the form was sent to) cannot be opened again:
    that address only takes forms (405). The switcher then returns to the page the form was on (the Referer,
    when it is one of this site's), else to the user's home.
    """
    if request.method in {"GET", "HEAD"}:
        return {"language_next": request.get_full_path()}
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return {"language_next": parts.path + (f"?{parts.query}" if parts.query else "")}
    return {"language_next": reverse("home")}
