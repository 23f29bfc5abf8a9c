import csv
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Category, Product, Variant
from suppliers.models import Supplier
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/products/import/"
EXPORT_URL = "/api/products/export/"
HEADER = ["name", "category", "sku", "barcode", "price", "cost", "reorder_level", "supplier"]


def csv_file(rows, header=HEADER, name="products.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def upload(client, file):
    return client.post(IMPORT_URL, {"file": file}, format="multipart")


def generated_rows(count):
    return [
        [
            f"Product {i // 2}",
            f"Category {i % 7}",
            f"SKU-{i:06d}",
            f"BC{i:010d}",
            f"{i % 100}.50",
            "1.25",
            i % 9,
            f"Supplier {i % 3}",
        ]
        for i in range(count)
    ]


def exported(client):
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Import --------------------------------------------------------------------------------------------------------


def test_an_import_creates_products_variants_categories_and_suppliers(manager_client, manager, org):
    CategoryFactory(organization=org, name="Beverages")

    response = upload(
        manager_client,
        csv_file(
            [
                ["Tea", "beverages", "TEA-1", "111", "3.50", "1.20", "10", "Leaf & Co"],
                ["Shirt", "Clothing", "SHIRT-S", "", "12.00", "", "", ""],
                ["Shirt", "Clothing", "SHIRT-M", "", "12.00", "", "", ""],
            ]
        ),
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "products_created": 2,
        "categories_created": 1,
        "suppliers_created": 1,
    }
    tea = Variant.objects.get(organization=org, sku="TEA-1")
    assert (tea.barcode, tea.price, tea.cost, tea.reorder_level) == ("111", Decimal("3.50"), Decimal("1.20"), 10)
    assert tea.product.category.name == "Beverages"  # matched ignoring case
    assert tea.product.supplier.name == "Leaf & Co"
    assert tea.product.created_by == manager
    shirt = Product.objects.get(organization=org, name="Shirt")
    assert sorted(shirt.variants.values_list("sku", flat=True)) == ["SHIRT-M", "SHIRT-S"]
    assert Variant.objects.get(sku="SHIRT-S").barcode is None


def test_an_import_updates_known_skus_and_leaves_blank_cells_unchanged(manager_client, org):
    product = ProductFactory(organization=org, name="Tea")
    VariantFactory(product=product, sku="TEA-1", barcode="111", price=Decimal("3.00"), cost=Decimal("1.00"))

    response = upload(manager_client, csv_file([["Green tea", "", "TEA-1", "", "4.00", "", "5", ""]]))

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    variant = Variant.objects.get(sku="TEA-1")
    assert (variant.price, variant.cost, variant.barcode, variant.reorder_level) == (
        Decimal("4.00"),
        Decimal("1.00"),
        "111",
        5,
    )
    assert variant.product.name == "Green tea"
    assert variant.product.category == product.category


def test_two_skus_may_swap_barcodes_in_one_import(manager_client, org):
    VariantFactory(organization=org, sku="A", barcode="111")
    VariantFactory(organization=org, sku="B", barcode="222")

    response = upload(
        manager_client, csv_file([["", "", "A", "222", "", "", "", ""], ["", "", "B", "111", "", "", "", ""]])
    )

    assert response.status_code == 200, response.json()
    assert dict(Variant.objects.values_list("sku", "barcode")) == {"A": "222", "B": "111"}


def test_one_bad_row_in_the_middle_changes_nothing_and_is_named(manager_client, org):
    VariantFactory(organization=org, sku="SKU-000001", price=Decimal("9.99"))
    rows = generated_rows(200)
    rows[100][4] = "12.345"  # spreadsheet row 102: the header is row 1
    before = (Product.objects.count(), Category.objects.count(), Supplier.objects.count())

    response = upload(manager_client, csv_file(rows))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == ["rows.102.price"]
    assert "rows.102.price" in body["detail"]
    assert (Product.objects.count(), Category.objects.count(), Supplier.objects.count()) == before
    assert Variant.objects.get(sku="SKU-000001").price == Decimal("9.99")


def test_every_bad_row_and_field_is_reported(manager_client, org):
    VariantFactory(organization=org, sku="OTHER", barcode="999")
    rows = [
        ["Ok", "", "OK-1", "", "1.00", "", "", ""],
        ["", "", "NEW-1", "", "", "", "", ""],  # a new SKU needs a name and a price
        ["Neg", "", "NEG", "", "-1", "abc", "-2", ""],
        ["No sku", "", "", "", "1.00", "", "", ""],
        ["Dup", "", "OK-1", "", "1.00", "", "", ""],
        ["Taken barcode", "", "TB", "999", "1.00", "", "", ""],
        ["X" * 201, "", "LONG", "", "1.00", "", "", ""],
    ]

    response = upload(manager_client, csv_file(rows))

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "rows.3.name",
        "rows.3.price",
        "rows.4.price",
        "rows.4.cost",
        "rows.4.reorder_level",
        "rows.5.sku",
        "rows.6.sku",
        "rows.7.barcode",
        "rows.8.name",
    }
    assert errors["rows.6.sku"] == ["SKU OK-1 is already on row 2."]
    assert errors["rows.7.barcode"] == ["Barcode 999 already belongs to SKU OTHER."]
    assert not Variant.objects.filter(sku="OK-1").exists()


def test_a_barcode_twice_in_the_file_is_reported_on_the_second_row(manager_client):
    response = upload(
        manager_client, csv_file([["A", "", "A", "555", "1", "", "", ""], ["B", "", "B", "555", "1", "", "", ""]])
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rows.3.barcode"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,price\nTea,1\n", "Missing columns: sku"),
        (b"name,sku,price\n\xff\xfe,A,1\n", "UTF-8"),
        (b"name,sku,price\n" + b"x" * 200_000 + b",A,1\n", "not valid CSV"),
    ],
)
def test_a_file_that_is_not_a_product_csv_is_a_400_on_file(manager_client, content, message):
    response = upload(manager_client, SimpleUploadedFile("p.csv", content, content_type="text/csv"))

    assert response.status_code == 400
    assert message in response.json()["errors"]["file"][0]


def test_a_nul_character_in_a_cell_is_a_400_on_its_row(manager_client):
    response = upload(manager_client, csv_file([["Tea\x00", "", "A", "", "1.00", "", "", ""]]))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rows.2.name"]


def test_an_import_without_a_file_is_a_400(manager_client):
    response = manager_client.post(IMPORT_URL, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_a_byte_order_mark_and_extra_columns_are_fine(manager_client, org):
    content = "\ufeffSKU,Name,Price,Colour\nA-1,Tea,1.00,green\n".encode()

    response = upload(manager_client, SimpleUploadedFile("p.csv", content, content_type="text/csv"))

    assert response.status_code == 200, response.json()
    assert Variant.objects.get(organization=org, sku="A-1").product.name == "Tea"


def test_an_import_only_touches_the_callers_organization(manager_client, org, other_org):
    foreign = VariantFactory(organization=other_org, sku="SHARED", price=Decimal("1.00"), barcode="123")
    SupplierFactory(organization=other_org, name="Globex Supply")

    response = upload(manager_client, csv_file([["Mine", "", "SHARED", "123", "5.00", "", "", "Globex Supply"]]))

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    foreign.refresh_from_db()
    assert foreign.price == Decimal("1.00")
    mine = Variant.objects.get(organization=org, sku="SHARED")
    assert mine.product.supplier.organization == org


@pytest.mark.slow
def test_an_import_of_10000_rows_takes_a_few_seconds(manager_client, org):
    file = csv_file(generated_rows(10_000))

    started = time.monotonic()
    response = upload(manager_client, file)
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 10_000
    assert Variant.objects.filter(organization=org).count() == 10_000
    assert Product.objects.filter(organization=org).count() == 5_000
    assert elapsed < 30

    again = upload(manager_client, csv_file(generated_rows(10_000)))

    assert again.status_code == 200, again.json()
    assert (again.json()["created"], again.json()["updated"]) == (0, 10_000)


@pytest.mark.slow
def test_a_bad_row_in_the_middle_of_10000_changes_nothing(manager_client, org):
    rows = generated_rows(10_000)
    rows[5_000][4] = "-3.00"

    response = upload(manager_client, csv_file(rows))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rows.5002.price"]
    assert not Variant.objects.filter(organization=org).exists()


# --- Export --------------------------------------------------------------------------------------------------------


def test_the_export_streams_every_variant_of_the_organization(viewer_client, org, other_org, warehouse, make_level):
    supplier = SupplierFactory(organization=org, name="Leaf & Co")
    product = ProductFactory(organization=org, name="Tea", supplier=supplier)
    first = VariantFactory(product=product, sku="TEA-1", barcode="111", attributes={"flavour": "mint"})
    VariantFactory(product=product, sku="TEA-2")
    make_level(first, warehouse, 8)
    VariantFactory(organization=other_org, sku="FOREIGN")

    response = viewer_client.get(EXPORT_URL)
    rows = exported(viewer_client)

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    assert [row["sku"] for row in rows] == ["TEA-1", "TEA-2"]
    assert rows[0]["name"] == "Tea"
    assert rows[0]["supplier"] == "Leaf & Co"
    assert rows[0]["category"] == product.category.name
    assert rows[0]["quantity"] == "8"
    assert rows[0]["attributes"] == '{"flavour": "mint"}'
    assert list(rows[0])[:8] == HEADER


def test_the_export_answers_an_accept_text_csv_header(viewer_client, org):
    VariantFactory(organization=org)

    response = viewer_client.get(EXPORT_URL, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response.streaming


def test_an_exported_file_imports_back_without_changes(manager_client, org):
    for _ in range(3):
        ProductFactory(organization=org, variants=2, supplier=SupplierFactory(organization=org))
    before = exported(manager_client)
    content = b"".join(manager_client.get(EXPORT_URL).streaming_content)

    response = upload(manager_client, SimpleUploadedFile("export.csv", content, content_type="text/csv"))

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (0, 6)
    after = exported(manager_client)
    assert [{k: v for k, v in row.items() if k != "updated_at"} for row in after] == before


# --- Limits ----------------------------------------------------------------------------------------------------------


def test_an_import_of_more_rows_than_the_limit_is_400_and_creates_nothing(manager_client, settings):
    settings.CSV_IMPORT_MAX_ROWS = 5

    response = upload(manager_client, csv_file(generated_rows(6)))

    assert response.status_code == 400
    assert "CSV_IMPORT_MAX_ROWS" in response.json()["errors"]["file"][0]
    assert not Variant.objects.exists()


def test_an_import_at_the_row_limit_is_accepted(manager_client, settings):
    settings.CSV_IMPORT_MAX_ROWS = 5

    response = upload(manager_client, csv_file(generated_rows(5)))

    assert response.status_code == 200, response.content
    assert Variant.objects.count() == 5


def test_an_import_file_larger_than_the_limit_is_413_and_creates_nothing(manager_client, settings):
    settings.CSV_IMPORT_MAX_BYTES = 200

    response = upload(manager_client, csv_file(generated_rows(10)))

    body = response.json()
    assert (response.status_code, body["code"]) == (413, "request_too_large")
    assert "CSV_IMPORT_MAX_BYTES" in body["detail"]
    assert not Variant.objects.exists()
