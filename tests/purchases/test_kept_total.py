"""A purchase order keeps `total_amount` (Σ quantity_ordered × unit_cost of its lines) on its row: every write path
keeps it right, `?ordering=total_amount` orders by it, and `check_stock_integrity` names an order whose total is wrong.
"""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from purchases.models import PurchaseOrder, computed_total_expression
from purchases.services import (
    ItemInput,
    ReceiptLine,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_update_items,
)
from tests.purchases.factories import PurchaseOrderFactory
from tests.purchases.helpers import LIST_URL, action_url, detail_url

pytestmark = pytest.mark.django_db


def stored_and_computed(order) -> tuple[Decimal, Decimal]:
    row = PurchaseOrder.objects.filter(pk=order.pk).annotate(computed=computed_total_expression()).get()
    return row.total_amount, Decimal(row.computed).quantize(Decimal("0.01"))


def test_creating_stores_the_sum_of_the_lines_whatever_the_status(make_order, variant, variant_b):
    lines = [(variant, 10, "2.00"), (variant_b, 3, "0.33")]

    orders = [make_order(lines, status=status) for status in ("draft", "submitted", "received")]

    assert [stored_and_computed(order) for order in orders] == [(Decimal("20.99"), Decimal("20.99"))] * 3


def test_a_line_at_the_variants_cost_counts_that_cost(org, admin, supplier, warehouse, variant):
    variant.cost = Decimal("4.10")
    variant.save(update_fields=["cost"])

    order = purchase_order_create(
        organization_id=org.pk, by=admin, supplier=supplier, warehouse=warehouse, items=[ItemInput(variant, 5)]
    )

    assert stored_and_computed(order) == (Decimal("20.50"), Decimal("20.50"))


def test_replacing_the_lines_of_a_draft_keeps_it_right(admin, admin_client, make_order, variant, variant_b):
    order = make_order([(variant, 10, "2.00")])

    purchase_order_update_items(order=order, by=admin, items=[ItemInput(variant_b, 4, Decimal("1.25"))])
    assert stored_and_computed(order) == (Decimal("5.00"), Decimal("5.00"))

    items = [
        {"variant": variant.pk, "quantity_ordered": 7, "unit_cost": "3.00"},
        {"variant": variant_b.pk, "quantity_ordered": 1, "unit_cost": "0.01"},
    ]
    response = admin_client.patch(detail_url(order), {"items": items}, format="json")
    assert response.json()["total_amount"] == "21.01"
    assert stored_and_computed(order) == (Decimal("21.01"), Decimal("21.01"))


def test_receipts_and_cancellations_leave_it_as_ordered(admin, admin_client, make_order, variant, variant_b):
    received = make_order([(variant, 10, "2.00"), (variant_b, 2, "5.00")], status="submitted")
    cancelled = make_order([(variant, 1, "9.00")], status="submitted")
    line = received.items.get(variant=variant)

    purchase_order_receive(order=received, by=admin, lines=[ReceiptLine(line.pk, 4)])
    purchase_order_receive(order=received, by=admin)
    assert admin_client.post(action_url(cancelled, "cancel")).status_code == 200

    assert stored_and_computed(received) == (Decimal("30.00"), Decimal("30.00"))
    assert stored_and_computed(cancelled) == (Decimal("9.00"), Decimal("9.00"))


def test_ordering_by_total_amount_is_the_order_of_the_lines_sums(admin_client, org, warehouse):
    orders = [
        PurchaseOrderFactory(organization=org, warehouse=warehouse, items=count, items__unit_cost=Decimal(cost))
        for count, cost in [(1, "5.00"), (3, "1.00"), (2, "9.99"), (0, "1.00"), (1, "100.00")]
    ]
    computed = {order.pk: stored_and_computed(order)[1] for order in orders}

    for ordering, reverse in (("total_amount", False), ("-total_amount", True)):
        rows = admin_client.get(LIST_URL, {"ordering": ordering}).json()["results"]
        assert [Decimal(row["total_amount"]) for row in rows] == sorted(computed.values(), reverse=reverse)
        assert {row["id"]: Decimal(row["total_amount"]) for row in rows} == computed


def test_check_stock_integrity_names_an_order_whose_stored_total_is_wrong(org, warehouse, capsys):
    PurchaseOrderFactory(organization=org, warehouse=warehouse, items=2)
    wrong = PurchaseOrderFactory(organization=org, warehouse=warehouse, items=1)
    PurchaseOrder.objects.filter(pk=wrong.pk).update(total_amount=Decimal("0.00"))

    with pytest.raises(CommandError) as raised:
        call_command("check_stock_integrity")

    assert "1 difference(s)" in str(raised.value)
    err = capsys.readouterr().err
    assert f"purchase order {wrong.pk} ({wrong.number}) records total_amount 0.00, its lines add up to 20" in err
