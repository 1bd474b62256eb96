"""Site-wide pages: the per-role "my work" home and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from project.org.models import Cadre, Role, Unit
from project.org.permissions import roles_of


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One section per role the user holds, each listing that role's work."""
    user = request.user
    roles = roles_of(user)
    own_cadre = Cadre.objects.filter(user=user).select_related("unit").first()  # type: ignore[misc]
    sections = [role for role in Role if role in roles]
    context = {
        "sections": sections,
        "own_cadre": own_cadre,
        "unit_count": Unit.objects.visible_to(user).count() if roles else 0,
        "cadre_count": Cadre.objects.visible_to(user).count() if roles else 0,
    }
    return render(request, "home/home.html", context)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and process checks: the web process answers; touches no database."""
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 403 page; a refusal that says why (service_checks.allow's message) says it there."""
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
