"""Each product keeps its variants' lowest price (`min_price`): the list orders by it as `price`, every write of a
variant's price, a new variant or a deleted one keeps it, and `check_stock_integrity` names a wrong one.
"""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import OuterRef, Subquery
from django.test import Client

from catalog.models import Product, Variant
from tests.catalog.factories import ProductFactory, VariantFactory
from tests.catalog.product_api import URL, detail
from tests.catalog.test_import_export import csv_file, upload
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

VARIANTS_URL = "/api/variants/"


def kept(product) -> Decimal | None:
    return Product.objects.values_list("min_price", flat=True).get(pk=product.pk)


def lowest(product) -> Decimal | None:
    prices = Variant.objects.filter(product_id=product.pk).values_list("price", flat=True)
    return min(prices, default=None)


@pytest.fixture
def shop(org):
    """Four products, one without variants (never made by the API, but the admin can delete every variant)."""
    for name, prices in [("Mid", ["5.00", "30.00"]), ("Cheap", ["9.00", "1.50"]), ("Dear", ["12.00"]), ("Bare", [])]:
        product = ProductFactory(organization=org, name=name)
        for price in prices:
            VariantFactory(product=product, price=Decimal(price))


def test_ordering_by_price_both_ways_is_the_lowest_variant_price_as_the_subquery_ordered(viewer_client, org, shop):
    # What the list ordered by before the price was kept, products without variants where the database puts NULL.
    subquery = Variant.objects.filter(product_id=OuterRef("pk")).order_by("price").values("price")[:1]
    before = Product.objects.filter(organization=org).annotate(low=Subquery(subquery))

    for ordering in ("price", "-price"):
        names = [row["name"] for row in viewer_client.get(URL, {"ordering": ordering}).json()["results"]]
        assert names == list(before.order_by(ordering.replace("price", "low")).values_list("name", flat=True))
    assert [p.name for p in Product.objects.filter(min_price__isnull=False).order_by("min_price")] == [
        "Cheap",
        "Mid",
        "Dear",
    ]


def test_the_list_and_detail_bodies_do_not_show_it(viewer_client, org, shop):
    product = Product.objects.get(name="Cheap")

    assert "min_price" not in viewer_client.get(detail(product)).json()
    assert all("min_price" not in row for row in viewer_client.get(URL).json()["results"])


def test_creating_a_product_with_variants_keeps_the_lowest(manager_client):
    body = {"name": "Tee", "variants": [{"sku": "TEE-S", "price": "8.00"}, {"sku": "TEE-L", "price": "6.50"}]}

    response = manager_client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert kept(Product.objects.get(name="Tee")) == Decimal("6.50")


def test_adding_changing_and_deleting_variants_keep_it(manager_client, admin_client, org):
    product = ProductFactory(organization=org)
    first = VariantFactory(product=product, price=Decimal("10.00"))

    added = manager_client.post(f"{detail(product)}variants/", {"sku": "LOW", "price": "4.00"})
    assert added.status_code == 201, added.json()
    assert kept(product) == Decimal("4.00")

    assert manager_client.patch(f"{VARIANTS_URL}{first.pk}/", {"price": "3.25"}).status_code == 200
    assert kept(product) == Decimal("3.25")
    assert manager_client.patch(f"{VARIANTS_URL}{first.pk}/", {"price": "20.00"}).status_code == 200
    assert kept(product) == Decimal("4.00")

    assert admin_client.delete(f"{VARIANTS_URL}{added.json()['id']}/").status_code == 204
    assert kept(product) == Decimal("20.00") == lowest(product)


def test_a_csv_import_keeps_it_for_updated_and_created_products(manager_client, org):
    known = ProductFactory(organization=org, name="Known")
    VariantFactory(product=known, sku="K-1", price=Decimal("5.00"))
    VariantFactory(product=known, sku="K-2", price=Decimal("7.00"))
    rows = [
        ["Known", "", "K-2", "", "2.00", "", "", ""],
        ["New", "", "N-1", "", "9.90", "", "", ""],
        ["New", "", "N-2", "", "3.10", "", "", ""],
    ]

    response = upload(manager_client, csv_file(rows))

    assert response.status_code == 200, response.json()
    assert kept(known) == Decimal("2.00")
    assert kept(Product.objects.get(name="New")) == Decimal("3.10")


@pytest.fixture
def site(org):
    client = Client()
    client.force_login(UserFactory(organization=org, role="admin", is_staff=True, is_superuser=True))
    return client


def _inline(product, variants) -> dict:
    data = {
        "organization": product.organization_id,
        "name": product.name,
        "category": product.category_id,
        "is_active": "on",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(sum(1 for variant in variants if "id" in variant)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for index, variant in enumerate(variants):
        fields = {"product": product.pk, "barcode": "", "attributes": "", "cost": "1.00", "reorder_level": "0"}
        data.update({f"variants-{index}-{key}": value for key, value in {**fields, **variant}.items()})
    return data


def test_admin_edits_of_variants_keep_it(site, org):
    product = ProductFactory(organization=org, name="Shirt")
    variant = VariantFactory(product=product, sku="SHIRT-M", price=Decimal("12.00"))

    rows = [{"id": variant.pk, "sku": "SHIRT-M", "price": "11.00"}, {"sku": "SHIRT-L", "price": "15.00"}]
    response = site.post(f"/admin/catalog/product/{product.pk}/change/", _inline(product, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert kept(product) == Decimal("11.00")

    rows = [{"id": variant.pk, "sku": "SHIRT-M", "price": "11.00", "DELETE": "on"}]
    rows.append({"id": Variant.objects.get(sku="SHIRT-L").pk, "sku": "SHIRT-L", "price": "15.00"})
    assert site.post(f"/admin/catalog/product/{product.pk}/change/", _inline(product, rows)).status_code == 302
    assert kept(product) == Decimal("15.00")

    other = Variant.objects.get(sku="SHIRT-L")
    form = {"organization": org.pk, "product": product.pk, "sku": "SHIRT-L", "barcode": "", "attributes": ""}
    form |= {"price": "2.00", "cost": "1.00", "reorder_level": "0"}
    assert site.post(f"/admin/catalog/variant/{other.pk}/change/", form).status_code == 302
    assert kept(product) == Decimal("2.00")

    assert site.post("/admin/catalog/variant/add/", form | {"sku": "SHIRT-XS", "price": "1.00"}).status_code == 302
    assert kept(product) == Decimal("1.00")

    cheapest = Variant.objects.get(sku="SHIRT-XS")
    assert site.post(f"/admin/catalog/variant/{cheapest.pk}/delete/", {"post": "yes"}).status_code == 302
    assert kept(product) == Decimal("2.00")

    action = {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}
    assert site.post("/admin/catalog/variant/", action).status_code == 302
    assert kept(product) is None and lowest(product) is None


def test_the_integrity_check_names_a_wrong_kept_price(org, shop, capsys):
    call_command("check_stock_integrity")  # consistent, a product without variants included
    product = Product.objects.get(name="Mid")
    Product.objects.filter(pk=product.pk).update(min_price=Decimal("30.00"))
    Product.objects.filter(name="Bare").update(min_price=Decimal("1.00"))

    with pytest.raises(CommandError):
        call_command("check_stock_integrity")

    err = capsys.readouterr().err
    assert f"product {product.pk} (Mid) records min_price 30.00, its variants' lowest is 5.00" in err
    assert "(Bare) records min_price 1.00, its variants' lowest is None" in err
