"""The stock-movement report as CSV, produced as a stream of encoded chunks (bounded memory at any size)."""

import csv
import io
from collections.abc import Iterable, Iterator

from core.csv_cells import csv_cell
from reports import selectors
from reports.selectors import ROW_FIELDS, ReportScope, utc_text_to_iso

CSV_HEADER = [
    "id",
    "created_at",
    "sku",
    "product",
    "warehouse",
    "warehouse_code",
    "movement_type",
    "reason",
    "quantity",
    "balance_after",
    "unit_cost",
    "reference_type",
    "reference_id",
    "performed_by",
]
ROWS_PER_CHUNK = 500

_I = {name: index for index, name in enumerate(ROW_FIELDS)}
_TEXT_COLUMNS = tuple(
    _I[name]
    for name in (
        "variant__sku",
        "variant__product__name",
        "warehouse__name",
        "warehouse__code",
        "reference_type",
        "performed_by__username",
    )
)


def stock_movement_csv_chunks(*, scope: ReportScope, rows: Iterable[tuple] | None = None) -> Iterator[bytes]:
    """The header line, then every movement of the scope, oldest first, as UTF-8 chunks of a few hundred rows.

    `rows` replaces the scope's rows as read by `selectors.stock_movement_report_rows` (a report job counts them).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    count = 0
    if rows is None:
        rows = selectors.stock_movement_report_rows(scope=scope)
    for row in rows:
        writer.writerow(_csv_row(row))
        count += 1
        if count % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _csv_row(row: tuple) -> list:
    values = list(row)
    values[_I["created_at"]] = utc_text_to_iso(values[_I["created_at"]])
    for index in _TEXT_COLUMNS:
        values[index] = csv_cell(values[index])
    return values


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
