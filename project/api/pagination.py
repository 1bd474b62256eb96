"""Bounded pages: `?page=` and `?page_size=` (at most MAX_PAGE_SIZE, whatever is asked)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class BoundedPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
