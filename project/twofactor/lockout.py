"""Who is knocking, for django-axes' lockout (AXES_CLIENT_IP_CALLABLE).

Behind a reverse proxy every request comes from the proxy's address: five failures by anyone would lock
everybody out. With DJANGO_PROXY_COUNT=N trusted proxies, the client is the N-th address from the right of
X-Forwarded-For (the one our nearest proxy appended); entries further left are the client's to forge.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    count: int = settings.PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return str(forwarded[-count])
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote
