from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from stock import seed as stock_seed
from stock.models import StockAdjustment, StockLevel, StockMovement, Transfer
from tests.catalog.factories import VariantFactory
from tests.stock.invariants import assert_ledger_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, admin, manager, staff, viewer, warehouse, other_warehouse):
    return {
        "organization": org,
        "users": {Role.ADMIN: admin, Role.MANAGER: manager, Role.STAFF: staff, Role.VIEWER: viewer},
        "warehouses": [warehouse, other_warehouse],
        "variants": [VariantFactory(organization=org, reorder_level=level) for level in (5, 10, 0, 8, 3, 12, 6)],
        "log": lambda line: None,
    }


def test_seed_opens_stock_in_both_warehouses_through_the_ledger_backdated_before_the_history(ctx, org):
    stock_seed.seed(ctx)

    assert_ledger_consistent(org)
    assert set(StockLevel.objects.filter(organization=org).values_list("warehouse", flat=True)) == {
        warehouse.pk for warehouse in ctx["warehouses"]
    }
    opening = StockMovement.objects.filter(organization=org, reason="opening")
    assert opening.count() == StockAdjustment.objects.filter(organization=org, reason="opening").count() > 7
    assert all(
        created < timezone.now() - timedelta(days=90) for created in opening.values_list("created_at", flat=True)
    )


def test_seed_leaves_transfers_in_every_status_and_a_low_level_for_the_alerts(ctx, org):
    stock_seed.seed(ctx)

    assert set(Transfer.objects.filter(organization=org).values_list("status", flat=True)) == {
        "completed",
        "requested",
        "rejected",
        "cancelled",
    }
    assert StockMovement.objects.filter(organization=org, reason="transfer").count() == 4
    from stock.selectors import stock_level_low_list

    assert stock_level_low_list(organization_id=org.pk).exists()


def test_seed_reads_the_variants_from_the_database_when_the_catalog_put_none_in_ctx(ctx, org):
    del ctx["variants"]

    stock_seed.seed(ctx)

    assert StockLevel.objects.filter(organization=org).count() > 7


def test_seed_without_a_catalog_skips_quietly(other_org, other_admin, foreign_warehouse):
    lines = []
    ctx = {
        "organization": other_org,
        "users": {Role.ADMIN: other_admin},
        "warehouses": [foreign_warehouse],
        "log": lines.append,
    }

    stock_seed.seed(ctx)

    assert not StockMovement.objects.exists()
    assert lines == ["stock: no variants in the catalog; skipped the opening stock."]
