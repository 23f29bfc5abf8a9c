"""The catalog's stock figures (`quantity`, `total_quantity`, `is_low_stock`, `?warehouse=`, ordering) agree with
what the ledger actually holds after real stock operations.
"""

import pytest

from stock.models import StockLevel
from stock.services import StockChange, TransferLine, stock_remove, transfer_approve, transfer_request
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.stock.helpers import put_stock

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture
def shelves(org, admin, warehouse, other_warehouse):
    """Tea: two variants over two warehouses, moved by a sale and a transfer. Mug: one variant, low in Main."""
    tea = ProductFactory(organization=org, name="Tea")
    green = VariantFactory(product=tea, sku="GREEN", reorder_level=2)
    black = VariantFactory(product=tea, sku="BLACK", reorder_level=2)
    mug = ProductFactory(organization=org, name="Mug")
    white = VariantFactory(product=mug, sku="WHITE", reorder_level=5)
    put_stock(green, warehouse, 10)
    put_stock(black, warehouse, 6)
    put_stock(white, warehouse, 4)
    stock_remove(organization_id=org.pk, changes=[StockChange(green.pk, warehouse.pk, 3)], reason="sale")  # 7
    transfer = transfer_request(
        by=admin, source_warehouse=warehouse, destination_warehouse=other_warehouse, items=[TransferLine(black, 5)]
    )
    transfer_approve(transfer=transfer, by=admin)  # black: 1 in Main, 5 in Annex
    return {"tea": tea, "mug": mug, "green": green, "black": black, "white": white}


def _by_name(response):
    assert response.status_code == 200, response.content
    return {product["name"]: product for product in response.json()["results"]}


def test_products_show_the_ledgers_quantities(viewer_client, shelves):
    products = _by_name(viewer_client.get(PRODUCTS))

    assert products["Tea"]["total_quantity"] == 13  # 7 green + 1 black in Main + 5 black in Annex
    assert {v["sku"]: v["quantity"] for v in products["Tea"]["variants"]} == {"GREEN": 7, "BLACK": 6}
    assert products["Mug"]["total_quantity"] == 4


def test_products_low_stock_follows_the_levels(viewer_client, shelves):
    products = _by_name(viewer_client.get(PRODUCTS))
    low = _by_name(viewer_client.get(PRODUCTS, {"is_low_stock": "true"}))

    # Black has 1 in Main (reorder level 2): Tea is low; White has 4 (reorder level 5): Mug is low.
    assert (products["Tea"]["is_low_stock"], products["Mug"]["is_low_stock"]) == (True, True)
    assert set(low) == {"Tea", "Mug"}


def test_a_levels_override_changes_the_products_low_flag(viewer_client, shelves, warehouse):
    StockLevel.objects.filter(variant=shelves["white"], warehouse=warehouse).update(
        reorder_level_override=1, reorder_level=1
    )

    products = _by_name(viewer_client.get(PRODUCTS))

    assert products["Mug"]["is_low_stock"] is False


def test_the_warehouse_filter_counts_that_warehouse_only(viewer_client, shelves, other_warehouse):
    products = _by_name(viewer_client.get(PRODUCTS, {"warehouse": other_warehouse.pk}))

    assert products["Tea"]["total_quantity"] == 5
    assert {v["sku"]: v["quantity"] for v in products["Tea"]["variants"]} == {"GREEN": 0, "BLACK": 5}
    assert products["Mug"]["total_quantity"] == 0


def test_products_order_by_total_quantity(viewer_client, shelves):
    ascending = viewer_client.get(PRODUCTS, {"ordering": "total_quantity"}).json()["results"]
    descending = viewer_client.get(PRODUCTS, {"ordering": "-total_quantity"}).json()["results"]

    assert [p["name"] for p in ascending] == ["Mug", "Tea"]
    assert [p["name"] for p in descending] == ["Tea", "Mug"]


def test_variants_show_the_ledgers_quantities(viewer_client, shelves, warehouse):
    response = viewer_client.get("/api/variants/", {"warehouse": warehouse.pk})

    assert response.status_code == 200
    assert {v["sku"]: v["quantity"] for v in response.json()["results"]} == {"GREEN": 7, "BLACK": 1, "WHITE": 4}


def test_the_low_stock_filter_picks_exactly_the_products_flagged_low(org, viewer_client, shelves, other_warehouse):
    # Beside the shelves: a product never stocked with a reorder level (low everywhere), one never stocked without
    # (never low), one stocked only in Annex above its reorder level, and one whose only level is overridden low.
    VariantFactory(organization=org, product__name="Kettle", sku="KETTLE", reorder_level=3)
    VariantFactory(organization=org, product__name="Spoon", sku="SPOON", reorder_level=0)
    put_stock(VariantFactory(organization=org, product__name="Cup", sku="CUP", reorder_level=2), other_warehouse, 9)
    put_stock(VariantFactory(organization=org, product__name="Pot", sku="POT", reorder_level=1), other_warehouse, 6)
    StockLevel.objects.filter(variant__sku="POT").update(reorder_level_override=6, reorder_level=6)

    for scope in (
        {},
        {"warehouse": shelves["green"].stock_levels.first().warehouse_id},
        {"warehouse": other_warehouse.pk},
    ):
        flagged = {name: p["is_low_stock"] for name, p in _by_name(viewer_client.get(PRODUCTS, scope)).items()}
        low = set(_by_name(viewer_client.get(PRODUCTS, {**scope, "is_low_stock": "true"})))
        not_low = set(_by_name(viewer_client.get(PRODUCTS, {**scope, "is_low_stock": "false"})))

        assert low == {name for name, is_low in flagged.items() if is_low}, scope
        assert not_low == {name for name, is_low in flagged.items() if not is_low}, scope
    assert {"Kettle", "Pot"} <= low and "Spoon" in not_low  # in Annex
