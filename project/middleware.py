"""A page for 405 answers: Django's (require_POST and its kind) has an empty body."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class MethodNotAllowedPageMiddleware:
    """Opening an address that only takes a form (a reload or a bookmark of the page a form answered, the language
    switched there) showed the browser's blank "HTTP ERROR 405". The status and its Allow header stay; the body says
    what happened and where to go. Answers that have a body of their own (the API's JSON) are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.method != "GET" or response.content:
            return response
        page = render(request, "405.html", status=405)
        if "Allow" in response.headers:
            page.headers["Allow"] = response.headers["Allow"]
        return page
