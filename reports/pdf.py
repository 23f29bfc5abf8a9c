"""The stock-movement report as a PDF (ReportLab platypus).

Front matter (organization, period, filters, totals, a chart of daily in/out, a per-product summary), then every
movement in a table whose header row repeats on each page, and "Page N" in every footer.

A big period has a hundred thousand rows, so the movement table is never one `Table`: platypus splits a long table
by rebuilding the remainder at every page break (quadratic), and `LongTable` is not much better. Instead each page
gets a `Table` of exactly one page of rows, each with its own header row, all of fixed row heights and column widths
(auto-sizing is O(rows × columns)). Those chunks are made lazily, from a database iterator, as the document template
asks for the next flowable, so neither the rows nor the tables of past pages stay in memory.
"""

import datetime as dt
import functools
import math
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab import rl_config
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, LongTable, PageBreak, PageTemplate, Paragraph, Table
from reportlab.platypus.tables import TableStyle

from reports import selectors
from reports.selectors import ROW_FIELDS, ReportScope

# ASCII85 makes page streams 7-bit clean for transports that no longer exist, and without ReportLab's optional C
# accelerator it costs more than drawing the pages. Binary streams are what every PDF reader expects anyway.
rl_config.useA85 = 0

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

SUMMARY_HEADER = ["Product", "SKU", "Units in", "Units out", "Net"]
SUMMARY_COL_WIDTHS = [330, 170, 90, 90, 90]
SUMMARY_ROWS_PER_TABLE = 300

_I = {name: index for index, name in enumerate(ROW_FIELDS)}


def render_stock_movement_pdf(*, scope: ReportScope, out: BinaryIO, rows: Iterable[tuple] | None = None) -> None:
    """Write the report for `scope` into the binary file `out`.

    `rows` replaces the scope's rows as read by `selectors.stock_movement_report_rows` (a report job counts them).
    """
    totals = selectors.stock_movement_report_totals(scope=scope)
    by_day = selectors.stock_movement_report_by_day(scope=scope)
    by_variant = selectors.stock_movement_report_by_variant(scope=scope)
    generated_at = timezone.now()

    doc = _ReportDocTemplate(out, scope=scope, generated_at=generated_at)
    story = _front_matter(scope, totals, by_day, by_variant, generated_at, width=doc.width)
    if totals["movements"]:
        heading = Paragraph("Movements", _styles()["h2"])
        story += [PageBreak(), heading]
        first_page_rows = _rows_that_fit(doc.height - _height_of(heading, doc.width))
        doc.pending = _movement_tables(
            iter(rows) if rows is not None else selectors.stock_movement_report_rows(scope=scope),
            first=max(1, first_page_rows),
            rest=_rows_that_fit(doc.height),
        )
    else:
        story.append(Paragraph("No movements in this period.", _styles()["body"]))
    doc.build(story)


class _ReportDocTemplate(BaseDocTemplate):
    """A landscape page with a running header and a page number, fed lazily from `pending`."""

    def __init__(self, out: BinaryIO, *, scope: ReportScope, generated_at: dt.datetime):
        super().__init__(
            out,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"Stock movements {_period_label(scope)}",
            author=scope.organization_name,
            creator="Stockroom",
        )
        self.scope = scope
        self.generated_at = generated_at
        self.pending: Iterator = iter(())
        # No frame padding: page-sized movement tables are computed against the exact frame height.
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def build(self, flowables, **kwargs):
        self._story = flowables
        super().build(flowables, **kwargs)

    def filterFlowables(self, flowables):
        # platypus' hook before each flowable: keep one flowable queued behind the current one, so the build loop
        # (which stops on an empty list) runs until the pending tables are exhausted. The hook also sees
        # platypus' private lists (page-start "hanging" flowables): those are left alone.
        if flowables is not self._story:
            return
        while len(flowables) < 2:
            table = next(self.pending, None)
            if table is None:
                break
            flowables.append(table)

    def _decorate(self, canvas, doc):
        width, height = PAGE_SIZE
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawString(MARGIN_X, height - 30, self.scope.organization_name)
        canvas.setFont(FONT, 9)
        canvas.drawRightString(width - MARGIN_X, height - 30, f"Stock movements, {_period_label(self.scope)}")
        canvas.setStrokeColor(colors.lightgrey)
        canvas.line(MARGIN_X, height - 36, width - MARGIN_X, height - 36)
        canvas.setFont(FONT, 8)
        canvas.drawString(MARGIN_X, 22, f"Generated {self.generated_at:%Y-%m-%d %H:%M} UTC")
        canvas.drawRightString(width - MARGIN_X, 22, f"Page {doc.page}")
        canvas.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sample["Title"], alignment=0, fontSize=18, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=sample["Heading2"], fontSize=12, spaceBefore=10, spaceAfter=6),
        "body": sample["BodyText"],
    }


def _period_label(scope: ReportScope) -> str:
    period = scope.period
    if period.start == period.end:
        return f"{period.kind} {period.start:%Y-%m-%d}"
    return f"{period.kind} {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"


def _front_matter(scope, totals, by_day, by_variant, generated_at, *, width) -> list:
    styles = _styles()
    story = [
        Paragraph("Stock movement report", styles["title"]),
        Paragraph(escape(scope.organization_name), styles["h2"]),
    ]

    facts = [
        ["Organization", scope.organization_name],
        ["Period", f"{scope.period.kind.capitalize()}: {scope.period.start:%Y-%m-%d} – {scope.period.end:%Y-%m-%d}"],
        *[[label, value] for label, value in scope.filter_lines()],
        ["Generated", f"{generated_at:%Y-%m-%d %H:%M} UTC"],
    ]
    story.append(
        Table(
            facts,
            colWidths=[110, width - 110],
            hAlign="LEFT",
            style=[
                ("FONT", (0, 0), (0, -1), FONT_BOLD, 9),
                ("FONT", (1, 0), (1, -1), FONT, 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ],
        )
    )

    story.append(Paragraph("Totals (units)", styles["h2"]))
    story.append(
        Table(
            [
                ["Movements", "Units in", "Units out", "Net"],
                [
                    _n(totals["movements"]),
                    _n(totals["units_in"]),
                    _n(totals["units_out"]),
                    _signed(totals["net"]),
                ],
            ],
            colWidths=[110, 110, 110, 110],
            hAlign="LEFT",
            style=[
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 9),
                ("FONT", (0, 1), (-1, 1), FONT, 11),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                ("TEXTCOLOR", (1, 1), (1, 1), IN_COLOR),
                ("TEXTCOLOR", (2, 1), (2, 1), OUT_COLOR),
            ],
        )
    )

    story.append(Paragraph("Units in and out per day", styles["h2"]))
    story.append(_daily_chart(scope, by_day, width=width))

    story.append(Paragraph("Summary by product", styles["h2"]))
    if by_variant:
        rows = [
            [
                _fit(row["product_name"] or "", SUMMARY_COL_WIDTHS[0]),
                _fit(row["sku"] or "", SUMMARY_COL_WIDTHS[1]),
                _n(row["units_in"]),
                _n(row["units_out"]),
                _signed(row["net"]),
            ]
            for row in by_variant
        ]
        # LongTable's splitting is fine at a few hundred rows and superlinear beyond (a busy year moves every one of
        # twenty thousand variants): one table per SUMMARY_ROWS_PER_TABLE rows, each with its header.
        style = _table_style(right_aligned=(2, 3, 4), font_size=8)
        for start in range(0, len(rows), SUMMARY_ROWS_PER_TABLE):
            chunk = rows[start : start + SUMMARY_ROWS_PER_TABLE]
            story.append(
                LongTable(
                    [SUMMARY_HEADER, *chunk], colWidths=SUMMARY_COL_WIDTHS, repeatRows=1, hAlign="LEFT", style=style
                )
            )
    else:
        story.append(Paragraph("No movements in this period.", styles["body"]))
    return story


def _daily_chart(scope: ReportScope, by_day: list[dict], *, width: float) -> Drawing:
    height = 170
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 30
    chart.width, chart.height = width - 160, height - 45
    chart.data = [[day["units_in"] for day in by_day], [day["units_out"] for day in by_day]]
    chart.bars[0].fillColor = IN_COLOR
    chart.bars[1].fillColor = OUT_COLOR
    chart.bars.strokeWidth = 0
    chart.groupSpacing = 2 if len(by_day) > 7 else 10
    chart.barSpacing = 0.5
    peak = max([0, *chart.data[0], *chart.data[1]])
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(peak * 1.1, 1)
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: f"{value:,.0f}"
    chart.categoryAxis.categoryNames = [_day_label(scope, day["date"]) for day in by_day]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6 if len(by_day) > 7 else 7
    chart.categoryAxis.labels.dy = -2
    drawing.add(chart)

    legend = Legend()
    legend.x, legend.y = width - 105, height - 20
    legend.fontName = FONT
    legend.fontSize = 8
    legend.alignment = "right"
    legend.colorNamePairs = [(IN_COLOR, "Units in"), (OUT_COLOR, "Units out")]
    drawing.add(legend)
    drawing.add(String(40, 8, "Days in UTC", fontName=FONT, fontSize=6, fillColor=colors.grey))
    return drawing


def _day_label(scope: ReportScope, day: dt.date) -> str:
    if scope.period.kind == selectors.Period.MONTHLY:
        return f"{day:%d}"
    if scope.period.kind == selectors.Period.WEEKLY:
        return f"{day:%a %d}"
    return f"{day:%Y-%m-%d}"


def _rows_that_fit(available_height: float) -> int:
    # A hair of slack so float rounding never pushes the last row onto the next page.
    return max(0, math.floor((available_height - HEADER_HEIGHT - 0.5) / ROW_HEIGHT))


def _height_of(flowable, width: float) -> float:
    # At the top of a frame platypus drops spaceBefore; spaceAfter stays.
    return flowable.wrap(width, PAGE_SIZE[1])[1] + flowable.getSpaceAfter()


def _table_style(*, right_aligned: Iterable[int], font_size: float) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, font_size),
        ("FONT", (0, 1), (-1, -1), FONT, font_size),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("ALIGN", (column, 0), (column, -1), "RIGHT") for column in right_aligned]
    return TableStyle(commands)


def _movement_tables(rows: Iterator[tuple], *, first: int, rest: int) -> Iterator["MovementTablePage"]:
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
        fit = _rows_that_fit(available_height)
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
        _fit(row[_I["variant__sku"]], widths[1]),
        _fit(row[_I["variant__product__name"]], widths[2]),
        _fit(row[_I["warehouse__name"]], widths[3]),
        row[_I["movement_type"]],
        row[_I["reason"]],
        _n(row[_I["quantity"]]),
        _n(row[_I["balance_after"]]),
        _fit(row[_I["performed_by__username"]] or "—", widths[8]),
    ]


def _fit(text: str, column_width: float, font_size: float = ROW_FONT_SIZE) -> str:
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


def _n(value: int) -> str:
    return f"{value:,}"


def _signed(value: int) -> str:
    return f"{value:+,}" if value else "0"
