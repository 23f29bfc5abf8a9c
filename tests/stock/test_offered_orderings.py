"""Orderings a list no longer offers because no index can serve them (bench/README.md, "Index check"): asking for
one is a 400 naming what the route offers, as for any unknown field.
"""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field", ["quantity", "-reserved", "available", "reorder_level", "-updated_at", "sku", "product_name"]
)
def test_stock_levels_order_by_id_only(viewer_client, field):
    response = viewer_client.get("/api/stock-levels/", {"ordering": field})

    assert response.status_code == 400
    assert response.json()["errors"]["ordering"] == [f"Unknown ordering field: {field}. Offered: id."]
    assert viewer_client.get("/api/stock-levels/", {"ordering": "-id"}).status_code == 200


def test_variants_no_longer_order_by_their_summed_quantity(manager_client):
    response = manager_client.get("/api/variants/", {"ordering": "-quantity"})

    assert response.status_code == 400
    assert "Offered: sku, price, created_at, id." in response.json()["errors"]["ordering"][0]
