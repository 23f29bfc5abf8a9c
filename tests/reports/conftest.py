"""Report fixtures: variants, and history written through the ledger, then backdated into a period.

Movements are only ever created by `stock.services`; tests move `created_at` afterwards with a queryset update,
because the ledger stamps "now" and a report is about a past period.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from catalog.models import Product, Variant
from stock.models import StockMovement
from stock.services import StockChange, stock_add, stock_apply, stock_remove

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """`at("2025-03-05 10:00")` → an aware UTC datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_variant(organization, sku: str, product_name: str | None = None, product=None) -> Variant:
    if product is None:
        product = Product.objects.create(organization=organization, name=product_name or f"Product {sku}")
    return Variant.objects.create(
        organization=organization, product=product, sku=sku, price=Decimal("10.00"), cost=Decimal("4.00")
    )


def move(variant, warehouse, quantity: int, when: dt.datetime, *, by=None, reason="adjustment") -> StockMovement:
    """One movement through the ledger (+ in, - out), dated `when`."""
    change = StockChange(variant.pk, warehouse.pk, abs(quantity))
    write = stock_add if quantity > 0 else stock_remove
    (movement,) = write(organization_id=variant.organization_id, changes=[change], reason=reason, by=by)
    StockMovement.objects.filter(pk=movement.pk).update(created_at=when)
    movement.refresh_from_db()
    return movement


def many_movements(variants, warehouse, count: int, start: dt.datetime, *, by=None) -> list[StockMovement]:
    """`count` one-unit IN movements in one ledger call, one minute apart from `start`."""
    changes = [StockChange(variants[i % len(variants)].pk, warehouse.pk, 1) for i in range(count)]
    movements = stock_apply(organization_id=warehouse.organization_id, changes=changes, reason="purchase", by=by)
    for offset, movement in enumerate(movements):
        StockMovement.objects.filter(pk=movement.pk).update(created_at=start + dt.timedelta(minutes=offset))
    return movements


def download(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    return b"".join(response.streaming_content)


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def mug(org):
    return make_variant(org, "MUG-01", "Coffee mug")


@pytest.fixture
def tee(org):
    return make_variant(org, "TEE-01", "T-shirt")
