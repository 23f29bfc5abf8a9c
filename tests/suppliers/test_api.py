import pytest

from catalog.models import Product
from suppliers.models import Supplier
from tests.catalog.factories import ProductFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db

URL = "/api/suppliers/"
FIELDS = {"id", "name", "contact_name", "email", "phone", "address", "notes", "created_at"}


def detail(supplier):
    return f"{URL}{supplier.pk}/"


def test_every_member_lists_suppliers_with_the_contracts_fields(viewer_client, org):
    SupplierFactory(organization=org, name="Acme Foods")

    response = viewer_client.get(URL)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) >= FIELDS
    assert row["name"] == "Acme Foods"


def test_a_manager_creates_and_updates_a_supplier(manager_client, org):
    created = manager_client.post(
        URL,
        {
            "name": "Acme Foods",
            "contact_name": "Pat",
            "email": "pat@acme.example",
            "phone": "+1 555 0100",
            "address": "1 Main St",
            "notes": "Net 30",
        },
    )
    assert created.status_code == 201, created.json()
    supplier = Supplier.objects.get(pk=created.json()["id"])

    updated = manager_client.patch(detail(supplier), {"notes": "Net 60"})

    assert supplier.organization == org
    assert updated.status_code == 200
    assert updated.json()["notes"] == "Net 60"


def test_a_duplicate_supplier_name_is_a_400_keyed_by_name(manager_client, org, other_org):
    SupplierFactory(organization=org, name="Acme")
    SupplierFactory(organization=other_org, name="Globex")

    duplicate = manager_client.post(URL, {"name": "ACME"})
    elsewhere = manager_client.post(URL, {"name": "Globex"})

    assert duplicate.status_code == 400
    assert list(duplicate.json()["errors"]) == ["name"]
    assert elsewhere.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"name": 3}, "name"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "phone": "1" * 33}, "phone"),
        ({"name": "A", "notes": ["x"]}, "notes"),
    ],
)
def test_bad_supplier_input_is_a_400(manager_client, body, field):
    response = manager_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_search_and_ordering(viewer_client, org):
    SupplierFactory(organization=org, name="Beta", contact_name="Zed")
    SupplierFactory(organization=org, name="Alpha", email="sales@alpha.example")

    searched = viewer_client.get(URL, {"search": "alpha.example"}).json()["results"]
    by_contact = viewer_client.get(URL, {"search": "zed"}).json()["results"]
    ordered = viewer_client.get(URL, {"ordering": "-name"}).json()["results"]

    assert [row["name"] for row in searched] == ["Alpha"]
    assert [row["name"] for row in by_contact] == ["Beta"]
    assert [row["name"] for row in ordered] == ["Beta", "Alpha"]


def test_an_admin_deletes_a_supplier_and_its_products_stay_without_one(admin_client, org):
    supplier = SupplierFactory(organization=org)
    product = ProductFactory(organization=org, supplier=supplier)

    response = admin_client.delete(detail(supplier))

    assert response.status_code == 204
    assert Product.objects.get(pk=product.pk).supplier is None


def test_a_supplier_of_another_organization_is_404(admin_client, other_org):
    foreign = SupplierFactory(organization=other_org)

    assert admin_client.get(detail(foreign)).status_code == 404
    assert admin_client.patch(detail(foreign), {"notes": "x"}).status_code == 404
    assert admin_client.delete(detail(foreign)).status_code == 404


def test_the_supplier_list_costs_the_same_for_any_page_size(viewer_client, org, django_assert_max_num_queries):
    SupplierFactory.create_batch(110, organization=org)

    with django_assert_max_num_queries(6) as small:
        assert len(viewer_client.get(URL, {"page_size": 5}).json()["results"]) == 5
    with django_assert_max_num_queries(6) as large:
        assert len(viewer_client.get(URL, {"page_size": 100}).json()["results"]) == 100

    assert len(small.captured_queries) == len(large.captured_queries)


def test_deleting_a_supplier_with_purchase_orders_is_409_protected_and_says_why(admin_client, org):
    from tests.purchases.factories import PurchaseOrderFactory

    supplier = SupplierFactory(organization=org, name="Acme")
    PurchaseOrderFactory.create_batch(2, organization=org, supplier=supplier, items=0)

    response = admin_client.delete(detail(supplier))

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert response.json()["detail"] == 'Supplier "Acme" cannot be deleted: 2 purchase orders still refer to it.'
    assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_put_replaces_a_supplier(manager_client, org):
    supplier = SupplierFactory(organization=org, name="Old", notes="old")

    response = manager_client.put(detail(supplier), {"name": "New"})

    assert response.status_code == 200
    supplier.refresh_from_db()
    assert supplier.name == "New"
