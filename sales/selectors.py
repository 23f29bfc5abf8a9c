"""Reads of sales orders, shaped for `SalesOrderSerializer` (a fixed number of queries for any page)."""

from django.db.models import QuerySet

from sales.models import SalesOrder


def sales_order_list(*, organization_id: int) -> QuerySet[SalesOrder]:
    """The organization's orders with warehouse, users, items (with variants) and `total_amount`, newest first."""
    return SalesOrder.objects.filter(organization_id=organization_id).with_details()


def sales_order_get(*, organization_id: int, pk: int) -> SalesOrder:
    return sales_order_list(organization_id=organization_id).get(pk=pk)
