"""The SQL of the ledger's one-level change (`stock.services.ledger._apply_to_one_level`): the level's conditional
`UPDATE ... RETURNING` and its product's total.

The level's UPDATE takes the row lock, and its WHERE clause is the check: under READ COMMITTED a waiting UPDATE
re-evaluates it on the row as the previous holder committed it, so it can never take stock that is gone or promised
(`quantity - reserved`) nor overflow the column. The product's total is changed after the level is locked, as on
the ledger's general path; on PostgreSQL both go in one statement, one round trip less while the level is locked.
"""

import functools

from django.db import connection

from catalog.models import Product, Variant
from stock.models import StockLevel

MAX_STOCK_QUANTITY = 2_147_483_647  # the quantity columns are 32-bit integers on PostgreSQL


def change_one_level(
    organization_id: int, variant_id: int, warehouse_id: int, *, running: int, lowest: int, highest: int, now
) -> tuple[int, int, int] | None:
    """Add `running` to the level if, along the changes, it never goes below its unpromised units (`lowest`, the
    lowest running sum) nor above the column's range (`highest`); and the same to its product's total. Returns the
    level's (quantity, reserved, id) after the change, or None when no level matched (missing, short, overflowing):
    then nothing was changed.
    """
    level_sql, product_sql = _statements(connection.vendor)
    level_params = [
        *(running, connection.ops.adapt_datetimefield_value(now), True, variant_id, warehouse_id, organization_id),
        *(-lowest, MAX_STOCK_QUANTITY - highest),
    ]
    with connection.cursor() as cursor:
        if running and connection.vendor == "postgresql":
            # The product's UPDATE reads the level's (EXISTS): it runs only once the level's row is locked and
            # changed, so it cannot lock the product first, nor change the total when the level refused.
            cursor.execute(
                f"WITH level AS ({level_sql}), product AS ({product_sql} AND EXISTS (SELECT 1 FROM level)) "
                "SELECT quantity, reserved, id FROM level",
                [*level_params, running, variant_id],
            )
            return cursor.fetchone()
        cursor.execute(level_sql, level_params)
        row = cursor.fetchone()
        if row is not None and running:
            cursor.execute(product_sql, [running, variant_id])
        return row


@functools.cache
def _statements(vendor: str) -> tuple[str, str]:
    """The level's conditional UPDATE and the product's, as this backend quotes their tables (built once)."""
    table, product, variant = (connection.ops.quote_name(m._meta.db_table) for m in (StockLevel, Product, Variant))
    level_sql = (
        f"UPDATE {table} SET quantity = quantity + %s, updated_at = %s, totals_stale = %s "
        "WHERE variant_id = %s AND warehouse_id = %s AND organization_id = %s AND quantity - reserved >= %s "
        "AND quantity <= %s RETURNING quantity, reserved, id"
    )
    product_sql = (
        f"UPDATE {product} SET stock_quantity = stock_quantity + %s "
        f"WHERE id = (SELECT product_id FROM {variant} WHERE id = %s)"
    )
    return level_sql, product_sql
