"""What the sales order tests share: the routes, the contract's fields and a request body; an order made through
the service.
"""

from django.urls import reverse

from sales import services
from sales.models import SalesOrderStatus
from sales.services import OrderLine

S = SalesOrderStatus
LIST = reverse("sales:salesorder-list")
ORDER_FIELDS = {
    "id",
    "number",
    "warehouse",
    "customer_name",
    "customer_email",
    "status",
    "items",
    "total_amount",
    "created_by",
    "decided_by",
    "created_at",
    "fulfilled_at",
}
ITEM_FIELDS = {"id", "variant", "sku", "quantity", "unit_price", "line_total", "quantity_returned"}


def detail(order):
    return reverse("sales:salesorder-detail", args=[order["id"] if isinstance(order, dict) else order.pk])


def act(order, name):
    return reverse(f"sales:salesorder-{name}", args=[order["id"] if isinstance(order, dict) else order.pk])


def body(warehouse, *lines, **extra):
    return {"warehouse": warehouse.pk, "items": [{"variant": v.pk, "quantity": q} for v, q in lines], **extra}


def create_order(by, warehouse, *lines, status=None, **kwargs):
    """`create_order(by, warehouse, (variant, quantity), ..., status=...)` through `sales_order_create`."""
    return services.sales_order_create(
        by=by, warehouse=warehouse, lines=[OrderLine(*line) for line in lines], status=status, **kwargs
    )
