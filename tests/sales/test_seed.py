from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from sales import seed as sales_seed
from sales.models import SalesOrder
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.stock.helpers import put_stock
from tests.stock.invariants import assert_ledger_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, admin, manager, staff, viewer, warehouse, other_warehouse):
    variants = VariantFactory.create_batch(6, organization=org)
    for variant in variants:
        put_stock(variant, warehouse, 120, by=admin)
        put_stock(variant, other_warehouse, 60, by=admin)
    return {
        "organization": org,
        "users": {Role.ADMIN: admin, Role.MANAGER: manager, Role.STAFF: staff, Role.VIEWER: viewer},
        "warehouses": [warehouse, other_warehouse],
        "variants": variants,
        "log": lambda line: None,
    }


def test_seed_leaves_90_days_of_sales_with_requests_and_returns(
    ctx, org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sales_seed.seed(ctx)

    orders = SalesOrder.objects.filter(organization=org)
    statuses = set(orders.values_list("status", flat=True))
    assert {"fulfilled", "pending", "rejected", "cancelled", "partially_returned", "returned"} <= statuses
    assert orders.filter(status="pending").count() >= 3
    assert len(ctx["sales_orders"]) == orders.count() >= 40
    now = timezone.now()
    sold = orders.exclude(fulfilled_at=None)
    assert now - timedelta(days=90) <= min(o.created_at for o in sold) <= now - timedelta(days=80)
    assert all(o.created_at <= o.fulfilled_at <= now for o in sold)
    assert sorted(orders.values_list("number", flat=True)) == [f"SO-{n:05d}" for n in range(1, orders.count() + 1)]
    assert mailoutbox == []  # decisions on demo requests e-mail nobody


def test_seed_backdates_movements_with_their_orders_and_keeps_the_ledger_consistent(ctx, org):
    sales_seed.seed(ctx)

    for order in SalesOrder.objects.filter(organization=org).exclude(fulfilled_at=None):
        movements = StockMovement.objects.filter(reference_type="sales_order", reference_id=order.pk)
        assert set(movements.filter(reason="sale").values_list("created_at", flat=True)) == {order.fulfilled_at}
        assert all(
            at > order.fulfilled_at for at in movements.filter(reason="return").values_list("created_at", flat=True)
        )
    assert StockMovement.objects.filter(reason="return").count() >= 2
    assert_ledger_consistent(org)


def test_seed_without_stock_sells_nothing(org, admin, manager, staff, viewer, warehouse):
    ctx = {
        "organization": org,
        "users": {Role.ADMIN: admin, Role.MANAGER: manager, Role.STAFF: staff, Role.VIEWER: viewer},
        "warehouses": [warehouse],
        "variants": VariantFactory.create_batch(2, organization=org),
        "log": lambda line: None,
    }

    sales_seed.seed(ctx)

    assert not StockMovement.objects.exists()
    assert ctx["sales_orders"] == []


def test_seed_without_a_catalog_skips_quietly(org, admin, warehouse):
    lines = []
    ctx = {"organization": org, "users": {Role.ADMIN: admin}, "warehouses": [warehouse], "log": lines.append}

    sales_seed.seed(ctx)

    assert not SalesOrder.objects.exists()
    assert ctx["sales_orders"] == [] and lines
