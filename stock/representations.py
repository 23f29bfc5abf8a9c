"""How a stock movement reads in the API, built directly as a dict: the one place that shapes it.

`StockMovementSerializer` writes a movement through `movement_data`; the movement list shapes the rows of a page
with `movement_row_data` and builds no model instances at all (as `catalog.representations` does for products).
"""

from core.formats import iso_datetime, money


def movement_data(movement) -> dict:
    """A movement (annotated by `stock_movement_list()`, or with its relations selected) as the API shows it."""
    if hasattr(movement, "warehouse_name"):  # annotated by the selector
        sku, product_id, product_name = movement.sku, movement.product_id, movement.product_name
        warehouse_name, username = movement.warehouse_name, movement.performed_by_username
    else:
        variant = movement.variant
        sku, product_id, product_name = variant.sku, variant.product_id, variant.product.name
        warehouse_name = movement.warehouse.name
        username = movement.performed_by.username if movement.performed_by_id else None
    return movement_row_data(
        {
            "id": movement.id,
            "variant_id": movement.variant_id,
            "sku": sku,
            "product_id": product_id,
            "product_name": product_name,
            "warehouse_id": movement.warehouse_id,
            "warehouse_name": warehouse_name,
            "movement_type": movement.movement_type,
            "reason": movement.reason,
            "quantity": movement.quantity,
            "balance_after": movement.balance_after,
            "unit_cost": movement.unit_cost,
            "reference_type": movement.reference_type,
            "reference_id": movement.reference_id,
            "performed_by_id": movement.performed_by_id,
            "performed_by_username": username,
            "note": movement.note,
            "created_at": movement.created_at,
        }
    )


def movement_row_data(row: dict, zone=None) -> dict:
    """A movement as the API shows it, from its columns (a `stock_movement_rows()` dict); `zone`: the current time
    zone, looked up once for a page.

    The one place that shapes a movement: `movement_data` gives it a movement's values, and the movement list gives
    it the rows of a page directly (no model instances, no serializer per page).
    """
    return {
        "id": row["id"],
        "variant": row["variant_id"],
        "sku": row["sku"],
        "product": row["product_id"],
        "product_name": row["product_name"],
        "warehouse": row["warehouse_id"],
        "warehouse_name": row["warehouse_name"],
        "movement_type": row["movement_type"],
        "reason": row["reason"],
        "quantity": row["quantity"],
        "balance_after": row["balance_after"],
        "unit_cost": money(row["unit_cost"]),
        "reference": (
            {"type": row["reference_type"], "id": row["reference_id"]}
            if row["reference_type"] and row["reference_id"] is not None
            else None
        ),
        "performed_by": (
            {"id": row["performed_by_id"], "username": row["performed_by_username"]}
            if row["performed_by_id"]
            else None
        ),
        "note": row["note"],
        "created_at": iso_datetime(row["created_at"], zone),
    }
