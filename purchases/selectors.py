"""Reads of purchase orders, shaped for `PurchaseOrderSerializer` (which then runs no query of its own)."""

from django.db.models import QuerySet

from purchases.models import PurchaseOrder, computed_total_expression
from stock.integrity import KeptTotalDifference, kept_total_differences


def purchase_order_list(*, organization_id: int) -> QuerySet[PurchaseOrder]:
    """The organization's orders with supplier, creator, items (and their variants) and `total_amount`."""
    return PurchaseOrder.objects.filter(organization_id=organization_id).for_display()


def purchase_order_get(*, organization_id: int, pk: int) -> PurchaseOrder:
    return purchase_order_list(organization_id=organization_id).get(pk=pk)


def purchase_order_total_differences(
    organization_id: int | None = None, limit: int = 100
) -> list[KeptTotalDifference]:
    """Orders whose kept `total_amount` is not Σ quantity_ordered × unit_cost of their lines (the first `limit`)."""
    orders = (
        PurchaseOrder.objects.all()
        if organization_id is None
        else PurchaseOrder.objects.filter(organization_id=organization_id)
    )
    return kept_total_differences("purchase order", orders, computed_total_expression(), limit)
