# Placeholder until the roster import page lands (same session); the URL name is reserved here.
from django.http import Http404, HttpRequest, HttpResponse


def roster_import(request: HttpRequest) -> HttpResponse:
    raise Http404
