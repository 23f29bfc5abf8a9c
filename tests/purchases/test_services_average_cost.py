"""`purchases.services`: a receipt updates the weighted average cost of each variant received."""

from decimal import Decimal

from stock.services import Reference, StockChange, stock_add
from tests.catalog.factories import VariantFactory


def _opening_stock(org, variant, warehouse, quantity, cost):
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, quantity, Decimal(cost))],
        reason="opening",
        reference=Reference("test", 0),
    )


# --- Average cost ---------------------------------------------------------------------------------------------


def test_average_cost_of_10_at_2_then_10_at_4_is_3(make_order, variant):
    make_order([(variant, 10, "2.00")], status="received")
    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")

    make_order([(variant, 10, "4.00")], status="received")

    variant.refresh_from_db()
    assert variant.cost == Decimal("3.00")


def test_with_nothing_on_hand_the_new_cost_is_the_unit_cost_whatever_was_set_by_hand(org, make_order):
    variant = VariantFactory(organization=org, cost=Decimal("99.00"))

    make_order([(variant, 10, "2.40")], status="received")

    variant.refresh_from_db()
    assert variant.cost == Decimal("2.40")


def test_average_cost_counts_stock_in_every_warehouse_of_the_organization(org, make_order, variant, other_warehouse):
    _opening_stock(org, variant, other_warehouse, 30, "1.00")
    variant.cost = Decimal("1.00")
    variant.save()

    make_order([(variant, 10, "5.00")], status="received")  # into `warehouse`, where nothing was

    variant.refresh_from_db()
    assert variant.cost == Decimal("2.00")  # (30 × 1 + 10 × 5) / 40


def test_average_cost_is_rounded_to_cents(make_order, variant):
    make_order([(variant, 3, "1.00")], status="received")
    make_order([(variant, 3, "1.01")], status="received")  # 6.03 / 6 = 1.005

    variant.refresh_from_db()
    assert variant.cost == Decimal("1.01")


def test_average_cost_leaves_other_variants_alone(make_order, variant, variant_b):
    variant_b.cost = Decimal("8.00")
    variant_b.save()

    make_order([(variant, 3, "1.00")], status="received")

    variant_b.refresh_from_db()
    assert variant_b.cost == Decimal("8.00")
