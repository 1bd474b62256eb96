"""Roster pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from project.org.permissions import can_import_roster
from project.org.selectors import cadre_list as select_cadres


@require_GET
@login_required
def cadre_list(request: HttpRequest) -> HttpResponse:
    if not can_import_roster(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(select_cadres(user=request.user, query=query), 50).get_page(request.GET.get("page"))
    return render(request, "org/cadre_list.html", {"page": page, "query": query})
