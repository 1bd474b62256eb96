"""The shared pagination (templates/partials/pagination.html) keeps every parameter of the list but the page:
paging the audit trail filtered by action and actor stays filtered."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from project.audit.services import audit_log_read
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def page_links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'class="page-link" href="([^"]*)"', html)]


def test_paging_the_filtered_audit_trail_keeps_the_filters(client: Client, personas: Personas) -> None:
    for _ in range(101):  # the trail shows 100 events a page
        audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    audit_log_read(actor=personas.alice, obj=personas.carl_cadre)
    client.force_login(personas.audrey, backend="django.contrib.auth.backends.ModelBackend")
    first = client.get(reverse("audit:event_list"), {"action": "read", "actor": "ivy"})
    (following,) = page_links(first.content.decode())
    assert set(following.removeprefix("?").split("&")) == {"action=read", "actor=ivy", "page=2"}
    second = client.get(reverse("audit:event_list") + following)
    assert [event.actor_id for event in second.context["page"]] == [personas.ivy.pk]
    (previous,) = page_links(second.content.decode())
    assert set(previous.removeprefix("?").split("&")) == {"action=read", "actor=ivy", "page=1"}


def test_the_partial_replaces_the_page_and_escapes_the_parameters() -> None:
    request = RequestFactory().get("/roster/", {"q": "王 & 李", "page": "2", "sort": "name"})
    request.user = AnonymousUser()  # for the context processors
    page = Paginator(list(range(30)), 10).get_page(2)
    html = render_to_string("partials/pagination.html", {"page": page}, request=request)
    assert 'href="?q=%E7%8E%8B+%26+%E6%9D%8E&amp;page=1&amp;sort=name"' in html
    assert 'href="?q=%E7%8E%8B+%26+%E6%9D%8E&amp;page=3&amp;sort=name"' in html


def test_the_trail_scrolls_in_its_own_box_and_keeps_each_date_on_one_line(client: Client, personas: Personas) -> None:
    audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    client.force_login(personas.audrey, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("audit:event_list")).content.decode()
    assert re.search(r'<div class="table-responsive">\s*<table', html)
    assert re.search(r'<tr><td class="text-nowrap">[^<]*\d', html)
