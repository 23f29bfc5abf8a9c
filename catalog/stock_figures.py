"""The seam through which the catalog shows stock beside its products, without knowing the stock app.

The catalog sits below the stock app: stock levels refer to variants, never the other way round. Yet a product's
page shows its units, its promised units and whether it is low, and a change of a variant's reorder level must
reach the levels that copy it. The stock app owns those rules (`stock.figures`, `stock.services.levels`) and
registers them here when it is ready (`stock.apps`); the catalog asks `stock_figures()` for them. The import arrow
therefore points from stock down to the catalog, as the floors require, and the catalog names no stock model.
"""

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression, Q


class StockFigures(Protocol):
    """What the catalog needs from the floor that keeps stock. `warehouse_ids=None` counts every warehouse."""

    def variant_annotations(self, warehouse_ids: tuple[int, ...] | None) -> Mapping[str, Expression]:
        """Annotations of a variant queryset: `quantity`, `reserved`, `is_low_stock`."""

    def product_annotations(self, warehouse_ids: tuple[int, ...] | None) -> Mapping[str, Expression]:
        """Annotations of a product queryset: `total_quantity`, `total_reserved`, `is_low_stock`."""

    def products_low_stock(self, *, organization_id: int, warehouse_ids: Collection[int] | None) -> Q:
        """The products whose `is_low_stock` is true, as a condition on a product queryset."""

    def follow_reorder_levels(self, variant_ids: Iterable[int]) -> None:
        """Copy these variants' reorder levels to the levels that keep them, in the caller's transaction."""

    def levels_revalued(self, *, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> None:
        """Say that what the levels of these variants, or of these products' variants, are worth changes (a cost, a
        price, a category, an expiration date), in the caller's transaction, before it locks any product row.
        """


_provider: StockFigures | None = None


def provide(provider: StockFigures) -> None:
    """Called once by the stock app when Django is ready."""
    global _provider
    _provider = provider


def stock_figures() -> StockFigures:
    if _provider is None:
        raise ImproperlyConfigured("The catalog's stock figures come from the stock app: add it to INSTALLED_APPS.")
    return _provider
