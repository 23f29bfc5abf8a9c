"""`/api/purchase-orders/`: reading, filtering and searching orders, the routes that do not exist, query budgets."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import PurchaseOrder
from tests.purchases.factories import PurchaseOrderFactory
from tests.purchases.helpers import ITEM_FIELDS, LIST_URL, ORDER_FIELDS, detail_url
from tests.suppliers.factories import SupplierFactory

# --- Reading --------------------------------------------------------------------------------------------------


def test_create_answers_201_with_the_contracts_fields(admin_client, admin, payload, supplier, warehouse, variant):
    response = admin_client.post(LIST_URL, payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert ORDER_FIELDS <= set(body)
    assert body["number"] == "PO-00001"
    assert (body["supplier"], body["supplier_name"], body["warehouse"]) == (supplier.pk, "Northwind", warehouse.pk)
    assert body["status"] == "draft"
    assert body["total_amount"] == "42.50"
    assert body["created_by"] == {"id": admin.pk, "username": "admin"}
    assert body["submitted_at"] is None and body["received_at"] is None
    assert ITEM_FIELDS <= set(body["items"][0])
    assert body["items"][0] | {"id": None} == {
        "id": None,
        "variant": variant.pk,
        "sku": "TEA-GREEN",
        "quantity_ordered": 10,
        "quantity_received": 0,
        "quantity_open": 10,
        "unit_cost": "2.00",
        "line_total": "20.00",
    }


def test_list_and_detail_show_the_same_order(admin_client, payload):
    created = admin_client.post(LIST_URL, payload(), format="json").json()

    listed = admin_client.get(LIST_URL).json()
    detail = admin_client.get(reverse("purchases:purchase-order-detail", args=[created["id"]])).json()

    assert listed["count"] == 1
    assert listed["results"][0] == created == detail


def test_every_role_reads_orders(client_for, admin, manager, staff, viewer, payload):
    order_id = client_for(admin).post(LIST_URL, payload(), format="json").json()["id"]

    for user in (manager, staff, viewer):
        client = client_for(user)
        assert client.get(LIST_URL).json()["count"] == 1
        assert client.get(reverse("purchases:purchase-order-detail", args=[order_id])).status_code == 200


def test_filters_by_status_supplier_and_warehouse(admin_client, org, supplier, warehouse, other_warehouse):
    other_supplier = SupplierFactory(organization=org)
    draft = PurchaseOrderFactory(organization=org, supplier=supplier, warehouse=warehouse)
    submitted = PurchaseOrderFactory(
        organization=org, supplier=other_supplier, warehouse=warehouse, status="submitted"
    )
    annex = PurchaseOrderFactory(organization=org, supplier=supplier, warehouse=other_warehouse)

    def ids(**params):
        return {row["id"] for row in admin_client.get(LIST_URL, params).json()["results"]}

    assert ids(status="draft") == {draft.pk, annex.pk}
    assert ids(status="submitted") == {submitted.pk}
    assert ids(supplier=other_supplier.pk) == {submitted.pk}
    assert ids(warehouse=other_warehouse.pk) == {annex.pk}
    assert ids(warehouse=warehouse.pk, supplier=supplier.pk) == {draft.pk}
    assert admin_client.get(LIST_URL, {"status": "shipped"}).status_code == 400


def test_search_finds_an_order_by_number_or_supplier_name(admin_client, org, supplier):
    order = PurchaseOrderFactory(organization=org, supplier=supplier, number="PO-04242")
    PurchaseOrderFactory(organization=org)

    by_number = admin_client.get(LIST_URL, {"search": "04242"}).json()["results"]
    by_supplier = admin_client.get(LIST_URL, {"search": "northw"}).json()["results"]

    assert [row["id"] for row in by_number] == [order.pk]
    assert [row["id"] for row in by_supplier] == [order.pk]


def test_put_and_delete_are_not_routes(admin_client, org):
    order = PurchaseOrderFactory(organization=org)

    assert admin_client.put(detail_url(order), {}, format="json").status_code == 405
    assert admin_client.delete(detail_url(order)).status_code == 405
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()


# --- Query budgets --------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_any_number_of_orders_and_items(admin_client, org):
    PurchaseOrderFactory.create_batch(2, organization=org, items=1)
    few = _queries(admin_client, LIST_URL, {"page_size": 5})

    PurchaseOrderFactory.create_batch(30, organization=org, items=4)
    many = _queries(admin_client, LIST_URL, {"page_size": 100})

    assert few == many <= 4


def test_the_detail_runs_the_same_queries_for_any_number_of_items(admin_client, org):
    small = PurchaseOrderFactory(organization=org, items=1)
    large = PurchaseOrderFactory(organization=org, items=25)

    assert _queries(admin_client, detail_url(small)) == _queries(admin_client, detail_url(large)) <= 3


def test_deleting_a_supplier_with_purchase_orders_answers_409_protected(admin_client, make_order, variant, supplier):
    make_order([(variant, 1, "1.00")])

    response = admin_client.delete(reverse("suppliers:supplier-detail", args=[supplier.pk]))

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert PurchaseOrder.objects.filter(supplier=supplier).exists()
