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
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab import rl_config
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import BaseDocTemplate, Frame, LongTable, PageBreak, PageTemplate, Paragraph, Table
from reportlab.platypus.tables import TableStyle

from reports import selectors
from reports.pdf_stream import StreamingCanvas
from reports.pdf_table import (
    FONT,
    FONT_BOLD,
    HEADER_BACKGROUND,
    IN_COLOR,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    OUT_COLOR,
    PAGE_SIZE,
    STRIPE,
    fit,
    movement_tables,
    n,
    rows_that_fit,
    signed,
)
from reports.selectors import ReportScope

# ASCII85 makes page streams 7-bit clean for transports that no longer exist, and without ReportLab's optional C
# accelerator it costs more than drawing the pages. Binary streams are what every PDF reader expects anyway.
rl_config.useA85 = 0

SUMMARY_HEADER = ["Product", "SKU", "Units in", "Units out", "Net"]
SUMMARY_COL_WIDTHS = [330, 170, 90, 90, 90]
SUMMARY_ROWS_PER_TABLE = 300


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
        first_page_rows = rows_that_fit(doc.height - _height_of(heading, doc.width))
        doc.pending = movement_tables(
            iter(rows) if rows is not None else selectors.stock_movement_report_rows(scope=scope),
            first=max(1, first_page_rows),
            rest=rows_that_fit(doc.height),
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
        super().build(flowables, canvasmaker=StreamingCanvas, **kwargs)

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
    return [
        Paragraph("Stock movement report", styles["title"]),
        Paragraph(escape(scope.organization_name), styles["h2"]),
        _facts_table(scope, generated_at, width=width),
        Paragraph("Totals (units)", styles["h2"]),
        _totals_table(totals),
        Paragraph("Units in and out per day", styles["h2"]),
        _daily_chart(scope, by_day, width=width),
        Paragraph("Summary by product", styles["h2"]),
        *_summary_tables(by_variant, styles),
    ]


def _facts_table(scope, generated_at, *, width) -> Table:
    facts = [
        ["Organization", scope.organization_name],
        ["Period", f"{scope.period.kind.capitalize()}: {scope.period.start:%Y-%m-%d} – {scope.period.end:%Y-%m-%d}"],
        *[[label, value] for label, value in scope.filter_lines()],
        ["Generated", f"{generated_at:%Y-%m-%d %H:%M} UTC"],
    ]
    return Table(
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


def _totals_table(totals) -> Table:
    return Table(
        [
            ["Movements", "Units in", "Units out", "Net"],
            [
                n(totals["movements"]),
                n(totals["units_in"]),
                n(totals["units_out"]),
                signed(totals["net"]),
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


def _summary_tables(by_variant, styles) -> list:
    """One table per SUMMARY_ROWS_PER_TABLE products, each with its header."""
    story = []
    if by_variant:
        rows = [
            [
                fit(row["product_name"] or "", SUMMARY_COL_WIDTHS[0]),
                fit(row["sku"] or "", SUMMARY_COL_WIDTHS[1]),
                n(row["units_in"]),
                n(row["units_out"]),
                signed(row["net"]),
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
