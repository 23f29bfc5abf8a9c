"""The PDF is written as its pages are finished (`reports.pdf_stream`): a valid file whose pages are those ReportLab
writes when it assembles the whole file at `save()`.
"""

import datetime as dt
import io
from unittest import mock

import pytest
from pypdf import PdfReader

from reports.pdf import render_stock_movement_pdf
from reports.selectors import report_period, report_scope_for
from tests.reports.conftest import at, make_variant, many_movements

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(org, warehouse, admin):
    variants = [make_variant(org, f"SKU-{n:02d}", f"Product ({n}) é \\") for n in range(12)]
    many_movements(variants, warehouse, 300, at("2025-06-02 00:00"), by=admin)
    return report_scope_for(user=admin, period=report_period(kind="monthly", on=dt.date(2025, 6, 15)))


def _render(scope, out) -> None:
    with mock.patch("reports.pdf.timezone.now", return_value=at("2025-07-01 09:30")):
        render_stock_movement_pdf(scope=scope, out=out)


def test_the_file_written_as_it_goes_has_reportlabs_own_pages(scope, tmp_path):
    streamed = io.BytesIO()
    _render(scope, streamed)
    whole = tmp_path / "whole.pdf"  # given a path, ReportLab assembles the file at save()
    _render(scope, str(whole))

    ours, theirs = PdfReader(io.BytesIO(streamed.getvalue()), strict=True), PdfReader(whole, strict=True)

    assert len(ours.pages) == len(theirs.pages) >= 8
    for page, same in zip(ours.pages, theirs.pages, strict=True):
        assert page.get_contents().get_data() == same.get_contents().get_data()
        assert page.mediabox == same.mediabox
        assert page.extract_text() == same.extract_text()
    assert ours.metadata.title == theirs.metadata.title
    assert streamed.getvalue().split(b"\n", 1)[0] == whole.read_bytes().split(b"\n", 1)[0]  # the same version


def test_every_object_is_where_the_cross_reference_table_says(scope):
    out = io.BytesIO()
    _render(scope, out)
    data = out.getvalue()

    start = int(data.rsplit(b"startxref", 1)[1].split()[0])
    lines = data[start:].split(b"trailer", 1)[0].decode().split("\n")
    assert lines[0] == "xref"
    first, count = map(int, lines[1].split())
    entries = lines[2 : 2 + count]
    for number, entry in enumerate(entries[1:], start=first + 1):
        offset, _generation, kind = entry.split()
        assert kind == "n"
        assert data[int(offset) :].startswith(f"{number} 0 obj".encode()), number
    assert data.startswith(b"%PDF-1.") and data.endswith(b"%%EOF\n")
