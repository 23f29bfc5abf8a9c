"""A sales order keeps `total_amount` (Σ quantity × unit_price of its lines) on its row: every write path keeps it
right, `?ordering=total_amount` orders by it, and `check_stock_integrity` names an order whose total is wrong.
"""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from sales import services
from sales.models import SalesOrder, computed_total_expression
from sales.services import OrderLine, ReturnLine
from tests.sales.factories import SalesOrderFactory
from tests.sales.helpers import LIST, body, detail

pytestmark = pytest.mark.django_db


def stored_and_computed(order) -> tuple[Decimal, Decimal]:
    row = SalesOrder.objects.filter(pk=order.pk).annotate(computed=computed_total_expression()).get()
    return row.total_amount, Decimal(row.computed).quantize(Decimal("0.01"))


def test_a_sale_and_a_request_store_the_sum_of_their_lines(admin, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    lines = [OrderLine(mug, 3), OrderLine(tee, 2, Decimal("19.99")), OrderLine(mug, 1, Decimal("0.01"))]

    sale = services.sales_order_create(by=admin, warehouse=warehouse, lines=lines)
    request = services.sales_order_create(by=admin, warehouse=warehouse, lines=lines, status="pending")

    for order in (sale, request):
        assert stored_and_computed(order) == (Decimal("77.49"), Decimal("77.49"))  # 3 × 12.50 + 2 × 19.99 + 0.01


def test_decisions_and_returns_leave_it_as_sold(admin, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 20)
    shelve(tee, warehouse, 1)
    sale = services.sales_order_create(by=admin, warehouse=warehouse, lines=[OrderLine(mug, 4), OrderLine(tee, 1)])
    pending = [
        services.sales_order_create(by=admin, warehouse=warehouse, lines=[OrderLine(mug, 2)], status="pending")
        for _ in range(3)
    ]
    item = sale.items.get(variant=mug)

    services.sales_order_return_items(order=sale, by=admin, lines=[ReturnLine(item.pk, 1)])
    services.sales_order_return_items(order=sale, by=admin)
    services.sales_order_fulfil(order=pending[0], by=admin)
    services.sales_order_reject(order=pending[1], by=admin, reason="no")
    services.sales_order_cancel(order=pending[2], by=admin)

    assert stored_and_computed(sale) == (Decimal("70.00"), Decimal("70.00"))
    assert [stored_and_computed(order) for order in pending] == [(Decimal("25.00"), Decimal("25.00"))] * 3


def test_the_api_answers_the_stored_total(admin_client, warehouse, mug, tee, shelve):
    shelve(mug, warehouse, 5)
    payload = body(warehouse, (mug, 2), (tee, 1), status="pending")
    payload["items"][1]["unit_price"] = "7.35"

    created = admin_client.post(LIST, payload, format="json").json()

    assert created["total_amount"] == "32.35"
    assert admin_client.get(detail(created)).json()["total_amount"] == "32.35"


def test_ordering_by_total_amount_is_the_order_of_the_lines_sums(admin_client, org, warehouse):
    orders = [
        SalesOrderFactory(organization=org, warehouse=warehouse, items=count, items__unit_price=Decimal(price))
        for count, price in [(1, "5.00"), (3, "1.00"), (2, "9.99"), (0, "1.00"), (1, "100.00")]
    ]
    computed = {order.pk: stored_and_computed(order)[1] for order in orders}

    for ordering, reverse in (("total_amount", False), ("-total_amount", True)):
        rows = admin_client.get(LIST, {"ordering": ordering}).json()["results"]
        assert [Decimal(row["total_amount"]) for row in rows] == sorted(computed.values(), reverse=reverse)
        assert {row["id"]: Decimal(row["total_amount"]) for row in rows} == computed


def test_refresh_totals_follows_lines_edited_outside_the_services(org, warehouse):
    order = SalesOrderFactory(organization=org, warehouse=warehouse, items=2)
    order.items.update(unit_price=Decimal("3.30"))

    SalesOrder.objects.filter(pk=order.pk).refresh_totals()

    assert stored_and_computed(order) == (Decimal("13.20"), Decimal("13.20"))


def test_check_stock_integrity_names_an_order_whose_stored_total_is_wrong(org, warehouse, capsys):
    right = SalesOrderFactory(organization=org, warehouse=warehouse, items=2)
    wrong = SalesOrderFactory(organization=org, warehouse=warehouse, items=1)
    SalesOrder.objects.filter(pk=wrong.pk).update(total_amount=Decimal("19.99"))

    with pytest.raises(CommandError) as raised:
        call_command("check_stock_integrity")

    assert raised.value.returncode == 1
    assert "1 difference(s)" in str(raised.value)
    err = capsys.readouterr().err
    assert f"sales order {wrong.pk} ({wrong.number}) records total_amount 19.99, its lines add up to 20" in err
    assert right.number not in err
    call_command("check_stock_integrity", organization=org.pk + 1)  # another organization: nothing to report
