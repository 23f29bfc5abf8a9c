from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from purchases import seed as purchases_seed
from purchases.models import PurchaseOrder
from stock.models import StockMovement
from tests.catalog.factories import VariantFactory
from tests.stock.invariants import assert_ledger_consistent
from tests.suppliers.factories import SupplierFactory


@pytest.fixture
def ctx(org, admin, manager, staff, viewer, warehouse, other_warehouse):
    return {
        "organization": org,
        "users": {Role.ADMIN: admin, Role.MANAGER: manager, Role.STAFF: staff, Role.VIEWER: viewer},
        "warehouses": [warehouse, other_warehouse],
        "variants": VariantFactory.create_batch(6, organization=org),
        "suppliers": SupplierFactory.create_batch(2, organization=org),
        "log": lambda line: None,
    }


def test_seed_leaves_90_days_of_purchase_history_in_every_status(ctx, org):
    purchases_seed.seed(ctx)

    orders = PurchaseOrder.objects.filter(organization=org)
    statuses = set(orders.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "partially_received", "received", "cancelled"}
    assert ctx["purchase_orders"] and len(ctx["purchase_orders"]) == orders.count()

    now = timezone.now()
    received = orders.filter(status="received")
    assert received.count() >= 15
    oldest = min(order.received_at for order in received)
    assert now - timedelta(days=90) <= oldest <= now - timedelta(days=80)
    assert all(order.created_at <= order.submitted_at <= order.received_at <= now for order in received)


def test_seed_backdates_the_movements_with_their_orders_and_keeps_the_ledger_consistent(ctx, org):
    purchases_seed.seed(ctx)

    for order in PurchaseOrder.objects.filter(organization=org, status="received"):
        dates = set(
            StockMovement.objects.filter(reference_type="purchase_order", reference_id=order.pk).values_list(
                "created_at", flat=True
            )
        )
        assert dates == {order.received_at}
    movements = StockMovement.objects.filter(organization=org)
    assert movements.filter(created_at__lt=timezone.now() - timedelta(days=30)).exists()
    assert_ledger_consistent(org)
    assert all(variant.cost > 0 for variant in ctx["variants"] if _refreshed(variant).stock_levels.exists())


def test_seed_without_a_catalog_skips_quietly(org, admin, warehouse):
    lines = []
    ctx = {"organization": org, "users": {Role.ADMIN: admin}, "warehouses": [warehouse], "log": lines.append}

    purchases_seed.seed(ctx)

    assert not PurchaseOrder.objects.exists()
    assert ctx["purchase_orders"] == [] and lines


def _refreshed(variant):
    variant.refresh_from_db()
    return variant
