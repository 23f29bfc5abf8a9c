"""List routes run the same number of queries for a page of 5 and a page of 100 (save the count, which a short page
does not need: its rows tell it).
"""

import pytest

from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 6


def _queries_for(client, url, params, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries), response.json()


@pytest.fixture
def catalog(org, warehouse, other_warehouse, make_level):
    """120 products of two variants each, spread over categories and stocked in two warehouses."""
    categories = CategoryFactory.create_batch(110, organization=org)
    for index in range(120):
        product = ProductFactory(organization=org, category=categories[index % len(categories)])
        for variant in VariantFactory.create_batch(2, product=product, reorder_level=index % 3):
            make_level(variant, warehouse, index % 7)
            make_level(variant, other_warehouse, 1)


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/api/products/", {}),
        ("/api/products/", {"warehouse": "WAREHOUSE", "is_low_stock": "true", "search": "Product"}),
        ("/api/products/", {"ordering": "-total_quantity", "is_expired": "false"}),
        ("/api/variants/", {}),
        ("/api/variants/", {"warehouse": "WAREHOUSE", "ordering": "-price"}),
        ("/api/categories/", {"ordering": "-product_count"}),
    ],
)
def test_a_page_of_5_and_a_page_of_100_cost_the_same_queries(
    viewer_client, catalog, warehouse, url, extra, django_assert_max_num_queries
):
    params = {key: warehouse.pk if value == "WAREHOUSE" else value for key, value in extra.items()}

    small, small_body = _queries_for(viewer_client, url, {**params, "page_size": 5}, django_assert_max_num_queries)
    large, large_body = _queries_for(viewer_client, url, {**params, "page_size": 100}, django_assert_max_num_queries)

    assert len(small_body["results"]) == min(5, small_body["count"])
    assert len(large_body["results"]) == min(100, large_body["count"])
    assert large_body["count"] > 5
    assert small == large + (len(large_body["results"]) < 100)


def test_a_products_variants_route_costs_the_same_for_any_page_size(viewer_client, org, django_assert_max_num_queries):
    product = ProductFactory(organization=org, variants=110)
    url = f"/api/products/{product.pk}/variants/"

    small, _ = _queries_for(viewer_client, url, {"page_size": 5}, django_assert_max_num_queries)
    large, body = _queries_for(viewer_client, url, {"page_size": 100}, django_assert_max_num_queries)

    assert len(body["results"]) == 100
    assert small == large
