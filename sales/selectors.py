"""Reads of sales orders, shaped for `SalesOrderSerializer` (a fixed number of queries for any page)."""

from django.db.models import QuerySet

from sales.models import SalesOrder, computed_total_expression
from stock.integrity import KeptTotalDifference, kept_total_differences


def sales_order_list(*, organization_id: int) -> QuerySet[SalesOrder]:
    """The organization's orders with warehouse, users, items (with variants) and `total_amount`, newest first."""
    return SalesOrder.objects.filter(organization_id=organization_id).with_details()


def sales_order_get(*, organization_id: int, pk: int) -> SalesOrder:
    return sales_order_list(organization_id=organization_id).get(pk=pk)


def sales_order_total_differences(organization_id: int | None = None, limit: int = 100) -> list[KeptTotalDifference]:
    """Orders whose kept `total_amount` is not Σ quantity × unit_price of their lines (the first `limit`)."""
    orders = (
        SalesOrder.objects.all()
        if organization_id is None
        else SalesOrder.objects.filter(organization_id=organization_id)
    )
    return kept_total_differences("sales order", orders, computed_total_expression(), limit)
