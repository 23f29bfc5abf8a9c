"""A page's `count`, links and 404s are the same whether the count is read from a short page or counted."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/categories/"


def _page(client, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}?{query}")
    counts = sum("count(*)" in query["sql"].lower() for query in queries.captured_queries)
    return response, counts


def _query(link):
    return None if link is None else link.partition("?")[2]


@pytest.mark.parametrize(
    ("categories", "query", "count", "next_page", "previous_page", "counted"),
    [
        (0, "page_size=2", 0, None, None, False),
        (1, "page_size=2", 1, None, None, False),
        (2, "page_size=2", 2, None, None, True),  # a full page: there may be more
        (3, "page_size=2", 3, "page=2&page_size=2", None, True),
        (3, "page=2&page_size=2", 3, None, "page_size=2", False),
        (4, "page=2&page_size=2", 4, None, "page_size=2", True),
        (3, "page=last&page_size=2", 3, None, "page_size=2", True),
    ],
)
def test_the_count_and_links_of_a_page(
    viewer_client, org, categories, query, count, next_page, previous_page, counted
):
    CategoryFactory.create_batch(categories, organization=org)

    response, counts = _page(viewer_client, query)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == count
    assert len(body["results"]) == min(2, count - 2 * (int("page=2" in query or "last" in query)))
    assert (_query(body["next"]), _query(body["previous"])) == (next_page, previous_page)
    assert counts == int(counted)


@pytest.mark.parametrize("query", ["page=3&page_size=2", "page=9", "page=0", "page=x", "page=1.5"])
def test_a_page_that_is_not_there_is_a_404(viewer_client, org, query):
    CategoryFactory.create_batch(3, organization=org)

    response, _ = _page(viewer_client, query)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page", ["2520841353920340480", str(2**70)])
def test_a_page_number_past_any_offset_is_not_found(admin_client, page):
    response = admin_client.get("/api/stock-levels/", {"page": page, "page_size": 5})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
