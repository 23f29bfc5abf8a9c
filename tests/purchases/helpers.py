"""What the purchase order API tests share: the routes and the fields of the contract."""

from django.urls import reverse

LIST_URL = reverse("purchases:purchase-order-list")
ORDER_FIELDS = {
    "id",
    "number",
    "supplier",
    "supplier_name",
    "warehouse",
    "status",
    "items",
    "total_amount",
    "notes",
    "created_by",
    "created_at",
    "submitted_at",
    "received_at",
}
ITEM_FIELDS = {"id", "variant", "sku", "quantity_ordered", "quantity_received", "unit_cost", "line_total"}


def detail_url(order):
    return reverse("purchases:purchase-order-detail", args=[order.pk])


def action_url(order, action):
    return reverse(f"purchases:purchase-order-{action}", args=[order.pk])
