"""The floors of the house, from the ground up: the one table the architecture test reads.

An app may depend only on apps of lower floors: by import, by a model reference ("app.Model" in a relation), and
never around them (through a model's `_meta` relations or the app registry). Apps on one floor do not depend on each
other. When a lower floor needs something only a higher one knows (the stock figures a product shows, the warehouses
a user may be given), it declares a seam and the higher floor fills it when ready (`catalog.stock_figures`,
`users.assignable`); see docs/architecture.md.

`config` wires every floor; `bench` (benchmarks, installed only by `bench/settings.py`) and the tests stand outside
the house and may reach any floor.
"""

FLOORS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("users",),
    ("warehouses", "suppliers"),
    ("catalog",),
    ("stock",),
    ("purchases", "sales"),
    ("dashboard", "reports"),
)

OUTSIDE = ("config", "bench", "tests", "faults")


def floor_of(app: str) -> int | None:
    for number, apps in enumerate(FLOORS):
        if app in apps:
            return number
    return None
