"""The contract's two pagination styles."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with `?page=` and `?page_size=` (default 20, max 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NewestFirstCursorPagination(pagination.CursorPagination):
    """Cursor pagination, newest first, for lists that grow without bound (stock movements).

    Ordered by `-id` alone: ids grow with time, the cursor stays exact (no offset for ties), and the primary key
    index serves every page.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
