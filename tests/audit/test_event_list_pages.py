"""The shared pagination (templates/partials/pagination.html) keeps every parameter of the list but the page:
paging the audit trail filtered by action and actor stays filtered."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from project.audit.services import audit_log_read
from tests.cases.rectification.states import nominated
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


# --- What the auditor reads: labels, not codes; a labelled filter form -------------------------------------------


def auditor_page(
    client: Client, personas: Personas, params: dict[str, object] | None = None, language: str = "zh-hans"
) -> HttpResponse:
    client.force_login(personas.audrey, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(reverse("audit:event_list"), params or {}, HTTP_ACCEPT_LANGUAGE=language)


def table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_each_event_reads_in_the_readers_language_with_its_code_in_small_type(
    client: Client, personas: Personas
) -> None:
    read = audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    rows = table(auditor_page(client, personas, {"action": "read"}).content.decode())
    assert f"查看了干部 #{read.object_id}" in rows
    # the code stays at hand for auditors who filter by it, but only in small muted type
    assert re.search(r'<small class="text-body-secondary[^"]*">read</small>', rows)
    assert re.search(r"<td[^>]*>read</td>", rows) is None
    # the object by its model's name in the reader's language, its stored type as a tooltip
    assert f'<span title="org.cadre">干部</span> #{read.object_id}' in rows
    assert "org.cadre " not in rows


def test_an_event_links_to_its_objects_page_when_its_app_registered_one(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    audit_log_read(actor=personas.alice, obj=case, what="case file")
    rows = table(auditor_page(client, personas, {"object_type": "cases.rectificationcase"}).content.decode())
    case_page = reverse("cases:rectification:detail", args=[case.pk])
    assert f'<a href="{case_page}" title="cases.rectificationcase">' in rows
    # A model without a page (a cadre of the roster) is named, not linked.
    audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    rows = table(auditor_page(client, personas, {"object_type": "org.cadre"}).content.decode())
    assert "<a href" not in rows


def test_every_filter_has_a_label_and_no_placeholder(client: Client, personas: Personas) -> None:
    html = auditor_page(client, personas).content.decode()
    start = html.index('<form class="row g-2')
    form = html[start : html.index("</form>", start)]
    fields = re.findall(r'<(?:input|select)[^>]*\bname="([^"]+)"[^>]*\bid="([^"]+)"', form)
    assert {name for name, _ in fields} == {"action", "actor", "object_type", "object_id"}
    for _name, field_id in fields:
        assert f'<label class="form-label" for="{field_id}">' in form
    assert "placeholder" not in form
    assert "cases.visitpl" not in form


def test_the_object_type_is_chosen_among_the_types_in_the_trail_by_name(client: Client, personas: Personas) -> None:
    audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    html = auditor_page(client, personas).content.decode()
    select = re.search(r'<select name="object_type".*?</select>', html, re.S)
    assert select is not None
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0)))
    assert options["org.cadre"] == "干部"
    assert options["org.unit"] == "单位"  # the org fixture's units were created through the service
    assert "cases.rectificationcase" not in options  # no case in this trail


def test_links_by_object_type_keep_working(client: Client, personas: Personas) -> None:
    read = audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    page = auditor_page(client, personas, {"object_type": "Org.Cadre", "object_id": read.object_id})
    assert [event.pk for event in page.context["page"]] == [read.pk]
    assert 'value="org.cadre" selected' in page.content.decode()
    # a type with no event yet is a valid choice with nothing to show, not an error
    empty = auditor_page(client, personas, {"object_type": "cases.rectificationcase"})
    assert not empty.context["form"].errors
    assert list(empty.context["page"]) == []


def test_an_invalid_object_id_is_an_error_on_its_field_not_an_ignored_filter(
    client: Client, personas: Personas
) -> None:
    audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    page = auditor_page(client, personas, {"object_type": "org.cadre", "object_id": "abc"})
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.errors) == ["object_id"]
    assert list(page.context["page"]) == []
    html = page.content.decode()
    start = html.index('for="id_object_id"')
    field = html[start : html.index("</form>", start)]
    assert re.search(r'<div class="text-danger small" id="id_object_id_error" role="alert">[^<]*“abc”', field)
    assert 'aria-describedby="id_object_id_error"' in field
    assert 'value="abc"' in field  # what was typed stays in the field to be corrected
    # without a type, an id is a number or a UUID
    assert list(auditor_page(client, personas, {"object_id": "7x"}).context["form"].errors) == ["object_id"]
    assert not auditor_page(client, personas, {"object_id": "7"}).context["form"].errors


def test_the_page_costs_the_same_queries_whatever_the_events_on_it(client: Client, personas: Personas) -> None:
    audit_log_read(actor=personas.ivy, obj=personas.carl_cadre)
    client.force_login(personas.audrey, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("audit:event_list")

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = cost()
    for cadre in (personas.dora_cadre, personas.bella_cadre):
        for reader in (personas.alice, personas.ivy, personas.rita):
            audit_log_read(actor=reader, obj=cadre)
    audit_log_read(actor=personas.ivy, obj=personas.carl)
    assert cost() == few


def test_the_action_is_chosen_by_name_and_filters_by_code(client: Client, personas: Personas) -> None:
    case = nominated(personas)
    audit_log_read(actor=personas.ivy, obj=case, what="case file")
    page = auditor_page(client, personas, {"action": "Read"}, language="en")
    html = page.content.decode()
    select = re.search(r'<select name="action".*?</select>', html, re.S)
    assert select is not None
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0)))
    assert options["case.confirm"] == "confirmed as a rectification target (case.confirm)"
    assert options[""] == "All actions"
    assert 'value="read" selected' in select.group(0)
    assert {event.action for event in page.context["page"]} == {"read"}


def test_a_link_with_an_action_that_has_no_label_still_filters(client: Client, personas: Personas) -> None:
    # An event older than its label keeps its code; a link to it answers (empty here), it is not an error.
    page = auditor_page(client, personas, {"action": "case.renamed_long_ago"})
    assert not page.context["form"].errors
    assert list(page.context["page"]) == []
    too_long = auditor_page(client, personas, {"action": "x" * 101})
    assert list(too_long.context["form"].errors) == ["action"]
