"""Every CSV export writes text that a spreadsheet would run as a formula with a leading apostrophe."""

import csv
import io

import pytest

from catalog.models import Category, Product, Variant

pytestmark = pytest.mark.django_db

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "@evil", '=HYPERLINK("http://x.example","y")', "-2+3"]


def _export_rows(client) -> list[dict]:
    response = client.get("/api/products/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_product_export_neutralizes_every_formula_cell(admin_client, org):
    category = Category.objects.create(organization=org, name=FORMULAS[4])
    for index, formula in enumerate(FORMULAS[:4]):
        product = Product.objects.create(organization=org, name=formula, description=formula, category=category)
        Variant.objects.create(organization=org, product=product, sku=f"SKU-{index}", price="1.00")

    rows = _export_rows(admin_client)

    assert sorted(row["name"] for row in rows) == sorted("'" + formula for formula in FORMULAS[:4])
    assert all(row["description"] == row["name"] for row in rows)
    assert {row["category"] for row in rows} == {"'-2+3"}


def test_plain_text_and_numbers_are_exported_unchanged(admin_client, org):
    product = Product.objects.create(organization=org, name="Green tea", description="Loose leaf")
    Variant.objects.create(organization=org, product=product, sku="TEA-1", price="2.50")

    [row] = _export_rows(admin_client)

    assert (row["name"], row["description"], row["sku"], row["price"]) == ("Green tea", "Loose leaf", "TEA-1", "2.50")
