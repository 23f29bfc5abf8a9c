"""The seam through which `check_stock_integrity` also checks what higher floors keep beside the ledger.

The stock app owns the integrity check (the command and the nightly task), but some kept figures belong to apps
above it: an order's `total_amount`, kept by the sales and purchases services from its lines. Those apps register a
check here in their `AppConfig.ready()` (the catalog's kept lowest price, a floor below, is registered by the stock
app's own); `stock.selectors.stock_integrity_report` runs every registered check after
its own, so the import arrow points down, as the floors require. A check takes the organization id (None: all) and
returns its differences, objects whose `str()` names what differs.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.functions import Round

IntegrityCheck = Callable[[int | None], Sequence[object]]

_checks: dict[str, IntegrityCheck] = {}


def register(name: str, check: IntegrityCheck) -> None:
    """Called by a higher floor when Django is ready; registering a name again replaces its check."""
    _checks[name] = check


def registered_checks() -> list[tuple[str, IntegrityCheck]]:
    """(name, check) of every registered check, in registration order."""
    return list(_checks.items())


def registered_problems(organization_id: int | None) -> list:
    """Every registered check's differences, in registration order."""
    return [problem for check in _checks.values() for problem in check(organization_id)]


@dataclass(frozen=True)
class KeptTotalDifference:
    """A document whose kept total is not the sum of its lines."""

    document: str  # "sales order", "purchase order"
    pk: int
    number: str
    field: str
    stored: object
    computed: object

    def __str__(self):
        return (
            f"{self.document} {self.pk} ({self.number}) records {self.field} {self.stored}, "
            f"its lines add up to {self.computed}"
        )


def kept_total_differences(document: str, orders: QuerySet, computed, limit: int = 100) -> list[KeptTotalDifference]:
    """Documents of `orders` whose kept `total_amount` is not `computed` (an expression over their lines), the first
    `limit` by id.
    """
    rows = (
        orders.alias(computed=Round(computed, 2))  # SQLite sums in floating point
        .exclude(total_amount=F("computed"))
        .annotate(computed_total=F("computed"))
        .order_by("pk")
        .values_list("pk", "number", "total_amount", "computed_total")[:limit]
    )
    return [
        KeptTotalDifference(document, pk, number, "total_amount", stored, computed_total)
        for pk, number, stored, computed_total in rows
    ]
