"""Stock writes. The ledger (`stock.services.ledger`) is the one code path that changes stock.

Beside the ledger, the workflows this app owns, each a thin layer of rules over one ledger call: adjustments,
transfers, and a level's reorder override; and reservations (units promised to pending orders, no movement).
Callers import from `stock.services`; the modules are how it is kept in rooms, not part of its interface.
"""

from stock.services.adjustments import stock_adjustment_create
from stock.services.ledger import (
    MAX_STOCK_QUANTITY,
    Reference,
    StockChange,
    stock_add,
    stock_apply,
    stock_remove,
    stock_set_counted,
)
from stock.services.levels import stock_level_set_override, stock_level_update
from stock.services.reservations import (
    ReservationLine,
    stock_release,
    stock_reservation_top_up,
    stock_reserve,
)
from stock.services.transfers import (
    TransferLine,
    transfer_approve,
    transfer_cancel,
    transfer_reject,
    transfer_request,
)

__all__ = [
    "MAX_STOCK_QUANTITY",
    "Reference",
    "ReservationLine",
    "StockChange",
    "TransferLine",
    "stock_add",
    "stock_adjustment_create",
    "stock_apply",
    "stock_level_set_override",
    "stock_level_update",
    "stock_release",
    "stock_remove",
    "stock_reservation_top_up",
    "stock_reserve",
    "stock_set_counted",
    "transfer_approve",
    "transfer_cancel",
    "transfer_reject",
    "transfer_request",
]
