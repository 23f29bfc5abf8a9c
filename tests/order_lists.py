"""What a page of a list of orders costs: its queries and its body's size (for the bounded-list tests)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import LIST_ITEMS


def page_cost(client, url: str) -> tuple[int, int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content), response.json()


def assert_bounded(client, url: str, make_orders) -> None:
    """`make_orders(lines)` makes a few orders of `lines` lines each; a page of many-line orders costs what a page
    of one-line orders costs: the same queries, and a body larger only by the `LIST_ITEMS` lines it shows."""
    make_orders(1)
    client.get(url)  # the first request of a client also reads what later ones find cached (the user)
    small_queries, small_size, small = page_cost(client, url)
    per_order_line = small_size // max(1, small["count"])

    make_orders(LIST_ITEMS * 6)
    queries, size, page = page_cost(client, url)

    assert queries == small_queries
    orders = page["count"] - small["count"]
    assert size <= small_size + orders * LIST_ITEMS * per_order_line
    for order in page["results"][:orders]:  # newest first: the many-line orders
        assert len(order["items"]) == LIST_ITEMS
        assert order["items_count"] == LIST_ITEMS * 6
        assert order["items"] == sorted(order["items"], key=lambda item: item["id"])
