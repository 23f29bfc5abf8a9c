"""The movement table of the stock-movement PDF: a page of rows at a time, drawn straight onto the canvas.

Each page gets exactly one page of rows with its own header row, of fixed row heights and column widths, made lazily
from a database iterator as the document template asks for the next flowable (see `reports.pdf`), so neither the
rows nor the tables of past pages stay in memory. The page geometry and fonts live here; the front matter uses them.
"""

import functools
import math
from collections.abc import Iterator

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from reports.selectors import ROW_FIELDS

PAGE_SIZE = landscape(A4)
MARGIN_X = 36
MARGIN_TOP = 48  # room for the running header
MARGIN_BOTTOM = 40  # room for the page number

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
ROW_FONT_SIZE = 7
ROW_HEIGHT = 10.5
HEADER_HEIGHT = 14

IN_COLOR = colors.HexColor("#2e7d32")
OUT_COLOR = colors.HexColor("#c62828")
HEADER_BACKGROUND = colors.HexColor("#e3e7ee")
STRIPE = colors.HexColor("#f5f6f8")

MOVEMENT_HEADER = [
    "Date/time (UTC)",
    "SKU",
    "Product",
    "Warehouse",
    "Type",
    "Reason",
    "Quantity",
    "Balance after",
    "Performed by",
]
MOVEMENT_COL_WIDTHS = [72, 88, 190, 110, 30, 52, 44, 56, 128]  # 770 pt: the frame width of landscape A4
RIGHT_ALIGNED = (6, 7)
CELL_PADDING = 3


_I = {name: index for index, name in enumerate(ROW_FIELDS)}


def rows_that_fit(available_height: float) -> int:
    # A hair of slack so float rounding never pushes the last row onto the next page.
    return max(0, math.floor((available_height - HEADER_HEIGHT - 0.5) / ROW_HEIGHT))


def movement_tables(rows: Iterator[tuple], *, first: int, rest: int) -> Iterator["MovementTablePage"]:
    """One page of movements at a time, each with its own header row."""
    size = first
    page: list[list[str]] = []
    for row in rows:
        page.append(_movement_cells(row))
        if len(page) == size:
            yield MovementTablePage(page)
            page, size = [], rest
    if page:
        yield MovementTablePage(page)


class MovementTablePage(Flowable):
    """A header row and up to a page of movement rows, in fixed columns.

    Drawn as one PDF text object with absolute positions rather than as a platypus `Table`: a month can hold a
    hundred thousand rows (nearly a million cells), and `Table` spends tens of microseconds on every cell (a text
    object, a font switch and float formatting apiece), which alone would take longer than the whole report may.
    """

    def __init__(self, rows: list[list[str]]):
        super().__init__()
        self.rows = rows

    def wrap(self, available_width, available_height):
        self.width = sum(MOVEMENT_COL_WIDTHS)
        self.height = HEADER_HEIGHT + ROW_HEIGHT * len(self.rows)
        return self.width, self.height

    def split(self, available_width, available_height):
        # Only when a page is shorter than planned; each part still starts with the header.
        fit = rows_that_fit(available_height)
        if fit < 1 or fit >= len(self.rows):
            return []
        return [MovementTablePage(self.rows[:fit]), MovementTablePage(self.rows[fit:])]

    def draw(self):
        canvas = self.canv
        width, top = self.width, self.height
        lefts = _column_lefts()
        body_top = top - HEADER_HEIGHT

        canvas.saveState()
        canvas.setFillColor(HEADER_BACKGROUND)
        canvas.rect(0, body_top, width, HEADER_HEIGHT, stroke=0, fill=1)
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.6)
        canvas.line(0, body_top, width, body_top)

        # Stripes, then every cell, as raw PDF operators: one path and one text object for the whole page.
        ops = []
        if len(self.rows) > 1:
            ops += ["q", f"{STRIPE.red:.3f} {STRIPE.green:.3f} {STRIPE.blue:.3f} rg"]
            for index in range(1, len(self.rows), 2):
                ops.append(f"0 {body_top - (index + 1) * ROW_HEIGHT:.2f} {width:.2f} {ROW_HEIGHT:.2f} re")
            ops += ["f", "Q"]
        # The document's resource names of the fonts ("/F1"); asking registers them, as setFont would.
        bold, regular = (canvas._doc.getInternalFontName(name) for name in (FONT_BOLD, FONT))
        ops += ["BT", "0 g", f"{bold} {ROW_FONT_SIZE} Tf"]
        ops += _header_ops(body_top + (HEADER_HEIGHT - ROW_FONT_SIZE) / 2 + 1)
        ops.append(f"{regular} {ROW_FONT_SIZE} Tf")
        exotic = []  # text the standard fonts cannot encode goes through ReportLab's own machinery, afterwards
        for index, cells in enumerate(self.rows):
            y = body_top - (index + 1) * ROW_HEIGHT + (ROW_HEIGHT - ROW_FONT_SIZE) / 2 + 1
            for column, text in enumerate(cells):
                if not text:
                    continue
                if column in RIGHT_ALIGNED:
                    x = lefts[column + 1] - CELL_PADDING - _width(text)
                else:
                    x = lefts[column] + CELL_PADDING
                literal = _escape(text) if text.isascii() else _winansi_literal(text)
                if literal is None:
                    exotic.append((x, y, text))
                else:
                    ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({literal}) Tj")
        ops.append("ET")
        canvas.addLiteral("\n".join(ops))
        canvas.setFont(FONT, ROW_FONT_SIZE)
        for x, y, text in exotic:
            canvas.drawString(x, y, text)
        canvas.restoreState()


@functools.cache
def _column_lefts() -> list[float]:
    lefts = [0.0]
    for width in MOVEMENT_COL_WIDTHS:
        lefts.append(lefts[-1] + width)
    return lefts


@functools.cache
def _header_ops(y: float) -> tuple[str, ...]:
    lefts = _column_lefts()
    ops = []
    for column, title in enumerate(MOVEMENT_HEADER):
        if column in RIGHT_ALIGNED:
            x = lefts[column + 1] - CELL_PADDING - stringWidth(title, FONT_BOLD, ROW_FONT_SIZE)
        else:
            x = lefts[column] + CELL_PADDING
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({_escape(title)}) Tj")
    return tuple(ops)


@functools.lru_cache(maxsize=4096)
def _width(text: str) -> float:
    return stringWidth(text, FONT, ROW_FONT_SIZE)


_PDF_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)", "\r": " ", "\n": " "})


def _escape(text: str) -> str:
    return text.translate(_PDF_ESCAPES)


def _winansi_literal(text: str) -> str | None:
    """The PDF string literal of `text` in the standard fonts' WinAnsi encoding, or None if it has no such form."""
    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return "".join(chr(byte) if 32 <= byte < 127 and byte not in b"()\\" else f"\\{byte:03o}" for byte in encoded)


def _movement_cells(row: tuple) -> list[str]:
    widths = MOVEMENT_COL_WIDTHS
    return [
        row[_I["created_at"]][:16],
        fit(row[_I["variant__sku"]], widths[1]),
        fit(row[_I["variant__product__name"]], widths[2]),
        fit(row[_I["warehouse__name"]], widths[3]),
        row[_I["movement_type"]],
        row[_I["reason"]],
        n(row[_I["quantity"]]),
        n(row[_I["balance_after"]]),
        fit(row[_I["performed_by__username"]] or "—", widths[8]),
    ]


def fit(text: str, column_width: float, font_size: float = ROW_FONT_SIZE) -> str:
    """Cut `text` with an ellipsis so it fits its column; short strings skip the (costlier) measuring."""
    room = column_width - 6  # cell padding
    if len(text) * font_size <= room:  # no Helvetica glyph is wider than 1 em
        return text
    width = stringWidth(text, FONT, font_size)
    if width <= room:
        return text
    keep = int(len(text) * room / width)
    while keep > 0 and stringWidth(text[:keep] + "…", FONT, font_size) > room:
        keep -= 1
    return text[:keep].rstrip() + "…"


def n(value: int) -> str:
    return f"{value:,}"


def signed(value: int) -> str:
    return f"{value:+,}" if value else "0"
