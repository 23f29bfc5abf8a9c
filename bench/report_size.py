"""How long a monthly stock-movement report takes, and how much memory, at 100,000 movements.

    .venv/bin/python bench/report_size.py            # 100,000 movements in March 2025 (plus neighbours)
    .venv/bin/python bench/report_size.py --small    # 2,000: a smoke run for CI
    .venv/bin/python bench/report_size.py --reuse    # keep the data of the previous run if it has the same size

The data lives in its own PostgreSQL database (`stockroom_bench_reports` by default, dropped and re-created): it is
migrated with `manage.py migrate`, then filled in bulk with a consistent ledger (every `balance_after` is the running
level of its (variant, warehouse), and the levels equal the sum of their movements). Each format is then measured in
a fresh Python process that calls the real view (authentication forced, so no token round-trip) and reads the whole
response: seconds of wall time, and peak memory as the growth of the process's maximum resident set size over
its size just before the request (so one format's peak never hides in another's).

Exit status 1 when a target is missed: PDF <= 20 s and <= 400 MB, CSV <= 3 s.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/stockroom_bench_reports"
ORG_NAME = "Report Bench"
MONTH = "2025-03-15"
LOAD_BEFORE = ""
TARGETS = {"pdf": {"seconds": 20.0, "peak_mb": 400.0}, "csv": {"seconds": 3.0}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=100_000, help="movements inside the month")
    parser.add_argument("--small", action="store_true", help="2,000 movements (CI smoke run)")
    parser.add_argument("--reuse", action="store_true", help="keep existing bench data of the same size")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REPORTS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--measure", choices=["pdf", "csv"], help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.small:
        args.movements = 2_000

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)

    if args.measure:
        os.environ.update(env)
        print(json.dumps(measure(args.measure)))
        return 0

    if not (args.reuse and existing_size(env) == args.movements):
        prepare_database(args.database_url)
        print("migrating ...", flush=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        run_child(env, ["--seed", str(args.movements)])

    global LOAD_BEFORE
    LOAD_BEFORE = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results = []
    for file_format in ("pdf", "csv"):
        out = subprocess.run(
            [sys.executable, __file__, "--measure", file_format, "--database-url", args.database_url],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return report(results)


# --- Database ------------------------------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def existing_size(env) -> int | None:
    out = subprocess.run(
        [sys.executable, __file__, "--count"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    try:
        return int(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def run_child(env, extra: list[str]) -> None:
    subprocess.run([sys.executable, __file__, *extra], cwd=ROOT, env=env, check=True)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def count_main() -> None:
    setup_django()
    from stock.models import StockMovement
    from users.models import Organization

    organization = Organization.objects.get(name=ORG_NAME)
    print(StockMovement.objects.filter(organization=organization, created_at__month=3).count())


def seed_main(movements: int) -> None:
    """Fill the bench database: one organization, 300 variants, 2 warehouses, `movements` in March 2025.

    Written in bulk (the ledger's one-call-per-change path would take minutes), but as the ledger would write it.
    """
    setup_django()
    import datetime as dt
    from decimal import Decimal

    from catalog.models import Product, Variant
    from core.roles import Role
    from stock.models import MovementType, Reason, StockLevel, StockMovement
    from users.models import Organization, User
    from warehouses.models import Warehouse

    started = time.perf_counter()
    rng = random.Random(20250301)
    organization = Organization.objects.create(name=ORG_NAME)
    admin = User.objects.create_user(
        "bench_admin", "bench@example.com", "x", organization=organization, role=Role.ADMIN
    )
    staff = [
        User.objects.create_user(f"clerk{n}", f"clerk{n}@example.com", "x", organization=organization, role=Role.STAFF)
        for n in range(5)
    ]
    warehouses = [
        Warehouse.objects.create(organization=organization, name="Main warehouse", code="MAIN"),
        Warehouse.objects.create(organization=organization, name="Harbour annex", code="ANNEX"),
    ]
    products = Product.objects.bulk_create(
        Product(organization=organization, name=f"Product {n:03d} {rng.choice(['mug', 'tee', 'cap', 'bag'])}")
        for n in range(100)
    )
    variants = Variant.objects.bulk_create(
        Variant(
            organization=organization,
            product=product,
            sku=f"SKU-{product.pk:04d}-{size}",
            price=Decimal("20.00"),
            cost=Decimal("8.50"),
        )
        for product in products
        for size in ("S", "M", "L")
    )

    # 5 % of the history falls in the neighbouring months, so the report's period filter does real work.
    month_start = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    month_seconds = 31 * 24 * 3600
    outside = movements // 20
    stamps = sorted(
        [month_start + dt.timedelta(seconds=rng.uniform(0, month_seconds)) for _ in range(movements)]
        + [month_start - dt.timedelta(seconds=rng.uniform(1, 20 * 24 * 3600)) for _ in range(outside // 2)]
        + [month_start + dt.timedelta(seconds=month_seconds + rng.uniform(0, 20 * 24 * 3600)) for _ in range(outside)]
    )
    levels: dict[tuple[int, int], int] = {}
    batch: list[StockMovement] = []
    for _ in stamps:
        variant = rng.choice(variants)
        warehouse = rng.choice(warehouses)
        key = (variant.pk, warehouse.pk)
        have = levels.get(key, 0)
        if have > 0 and rng.random() < 0.45:
            quantity, kind, reason = rng.randint(1, min(have, 12)), MovementType.OUT, Reason.SALE
        else:
            quantity, kind, reason = rng.randint(1, 40), MovementType.IN, rng.choice([Reason.PURCHASE, Reason.RETURN])
        levels[key] = have + (quantity if kind == MovementType.IN else -quantity)
        batch.append(
            StockMovement(
                organization=organization,
                variant_id=variant.pk,
                warehouse_id=warehouse.pk,
                movement_type=kind,
                reason=reason,
                quantity=quantity,
                balance_after=levels[key],
                unit_cost=variant.cost,
                performed_by=rng.choice(staff),
            )
        )
        if len(batch) == 5000:
            StockMovement.objects.bulk_create(batch)
            batch = []
    StockMovement.objects.bulk_create(batch)
    # bulk_create cannot set auto_now_add fields: stamp each row's date by id order afterwards.
    _restamp(organization, stamps)
    StockLevel.objects.bulk_create(
        StockLevel(organization=organization, variant_id=variant_id, warehouse_id=warehouse_id, quantity=quantity)
        for (variant_id, warehouse_id), quantity in levels.items()
    )
    _fill_product_totals(organization)
    print(
        f"seeded {movements:,} movements in March 2025 (+{len(stamps) - movements:,} around it) "
        f"for {admin.username} in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def _fill_product_totals(organization) -> None:
    """Each product's `stock_quantity` and lowest price, and each level's reorder level, as the ledger and the
    catalog keep them."""
    from django.db.models import Min, OuterRef, Subquery

    from catalog.models import Product, Variant
    from stock.figures import product_quantity
    from stock.models import StockLevel

    Product.objects.filter(organization=organization).update(stock_quantity=product_quantity())
    lowest = (
        Variant.objects.filter(product_id=OuterRef("pk")).order_by().values("product_id").annotate(low=Min("price"))
    )
    Product.objects.filter(organization=organization).update(min_price=Subquery(lowest.values("low")))
    variant_reorder = Variant.objects.filter(pk=OuterRef("variant_id")).values("reorder_level")
    StockLevel.objects.filter(organization=organization).update(
        reorder_level=Subquery(variant_reorder), totals_stale=True
    )


def _restamp(organization, stamps) -> None:
    from django.db import connection

    from stock.models import StockMovement

    table = StockMovement._meta.db_table
    ids = list(StockMovement.objects.filter(organization=organization).order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_stamps (id bigint PRIMARY KEY, created_at timestamptz)")
        with cursor.copy("COPY bench_stamps (id, created_at) FROM STDIN") as copy:
            for movement_id, stamp in zip(ids, stamps, strict=True):
                copy.write_row((movement_id, stamp))
        cursor.execute(f"UPDATE {table} m SET created_at = s.created_at FROM bench_stamps s WHERE m.id = s.id")
        cursor.execute("DROP TABLE bench_stamps")
        cursor.execute(f"ANALYZE {table}")


# --- Measuring (in a fresh process per format) -------------------------------------------------------------------


def measure(file_format: str) -> dict:
    setup_django()
    # Import everything the request needs before the baseline, so the peak is the report's, not the imports'.
    import reportlab.graphics.charts.barcharts  # noqa: F401
    import reportlab.platypus  # noqa: F401
    from django.db import connection
    from rest_framework.test import APIRequestFactory, force_authenticate

    from reports.views import ReportViewSet
    from stock.models import StockMovement
    from users.models import User

    user = User.objects.get(username="bench_admin")
    movements = StockMovement.objects.filter(organization_id=user.organization_id, created_at__month=3).count()
    connection.ensure_connection()
    view = ReportViewSet.as_view({"get": "stock_movements"})
    request = APIRequestFactory().get(
        "/api/reports/stock-movements/", {"period": "monthly", "date": MONTH, "format": file_format}
    )
    force_authenticate(request, user=user)

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    response = view(request)
    first_byte = None
    size = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert response.status_code == 200, response.status_code
    return {
        "format": file_format,
        "movements": movements,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "first_byte_seconds": round(first_byte or seconds, 2),
        "peak_mb": round((peak_kb - baseline_kb) / 1024, 1),
        "baseline_mb": round(baseline_kb / 1024, 1),
        "size_mb": round(size / 1024 / 1024, 2),
    }


def report(results: list[dict]) -> int:
    print(f"\nload average before the run: {LOAD_BEFORE}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "| format | movements | seconds | CPU s (Python) | first byte (s) | peak MB (over baseline) | file MB "
        "| target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    failed = []
    for result in results:
        target = TARGETS[result["format"]]
        limits = [f"<= {target['seconds']:g} s"] + ([f"<= {target['peak_mb']:g} MB"] if "peak_mb" in target else [])
        ok = result["seconds"] <= target["seconds"] and result["peak_mb"] <= target.get("peak_mb", float("inf"))
        if not ok:
            failed.append(result["format"])
        print(
            f"| {result['format']} | {result['movements']:,} | {result['seconds']:.2f} | "
            f"{result['cpu_seconds']:.2f} | "
            f"{result['first_byte_seconds']:.2f} | {result['peak_mb']:.1f} (baseline {result['baseline_mb']:.0f}) | "
            f"{result['size_mb']:.2f} | {', '.join(limits)} {'ok' if ok else 'MISSED'} |"
        )
    if failed:
        print(f"\nTarget missed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--seed":
        seed_main(int(sys.argv[2]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "--count":
        count_main()
    else:
        sys.exit(main())
