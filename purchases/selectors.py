"""Reads of purchase orders, shaped for `PurchaseOrderSerializer` (which then runs no query of its own)."""

from django.db.models import QuerySet

from purchases.models import PurchaseOrder


def purchase_order_list(*, organization_id: int) -> QuerySet[PurchaseOrder]:
    """The organization's orders with supplier, creator, items (and their variants) and `total_amount`."""
    return PurchaseOrder.objects.filter(organization_id=organization_id).for_display()


def purchase_order_get(*, organization_id: int, pk: int) -> PurchaseOrder:
    return purchase_order_list(organization_id=organization_id).get(pk=pk)
