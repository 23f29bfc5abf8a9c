"""The benchmark steps that need Django: run in a child process by `bench/run.py`, each printing one JSON line.

    python bench/steps.py plan OUT.json          # the URLs to load, and the SQL each view runs for them
    python bench/steps.py indexes OUT.json       # EXPLAIN ANALYZE of every filter and ordering of every list route
    python bench/steps.py lowstock               # the low-stock job: seconds and queries

They read the organization `generate_bench_data` made (its admin is `bench_admin`) from `DATABASE_URL`.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 50
HOST = "127.0.0.1"
# Tables big enough for a sequential scan to matter, and how many rows make them "big" on this data.
BIG_TABLE_ROWS = 50_000
WATCHED_TABLES = (
    "stock_stockmovement",
    "stock_stocklevel",
    "stock_stockadjustment",
    "catalog_variant",
    "catalog_product",
    "sales_salesorder",
    "sales_salesorderitem",
    "purchases_purchaseorder",
    "purchases_purchaseorderitem",
)
# A sort of this many rows or more, for one page of a list, means the ordering has no index behind it.
BIG_SORT_ROWS = 5_000
# The filters and orderings the contract names for each list route (the views offer more; those are checked too).
CONTRACT = {
    "/api/products/": {"category", "supplier", "is_active", "is_low_stock", "is_expired", "warehouse"}
    | {"ordering=name", "ordering=created_at", "ordering=total_quantity", "ordering=price"},
    "/api/variants/": {"product", "sku", "barcode"},
    "/api/stock-levels/": {"warehouse", "variant", "product", "low_stock"},
    "/api/stock-movements/": {
        "variant",
        "product",
        "warehouse",
        "movement_type",
        "reason",
        "performed_by",
        "created_after",
        "created_before",
    },
    "/api/transfers/": {"status", "warehouse"},
    "/api/purchase-orders/": {"status", "supplier", "warehouse"},
    "/api/sales-orders/": {"status", "warehouse", "created_after", "created_before"},
    "/api/users/": {"role", "status", "warehouse"},
}


def in_contract(route: str, case: str) -> bool:
    """The route's default page, and the filters and orderings the contract names."""
    names = CONTRACT.get(route, set())
    return case == "(default)" or case.split("=")[0] in names or case.replace("=-", "=") in names


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("STOCKROOM_ALLOW_DEV_KEY", "true")
    import django

    django.setup()


def bench_admin():
    from users.models import User

    # A fresh instance per request, as JWT authentication loads it: nothing cached on it between requests.
    return User.objects.get(username="bench_admin")


def capture(client, url: str):
    """GET `url` as the bench admin; the response and every SQL statement the view ran (literal SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_authenticate(bench_admin())
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST=HOST)
        elapsed = time.perf_counter() - started
    return response, [query["sql"] for query in queries.captured_queries], elapsed


def _middle(queryset, field: str):
    """The value of `field` on the row in the middle of the queryset by id (a typical, existing value)."""
    values = queryset.order_by("pk").values_list(field, flat=True)
    count = queryset.count()
    return values[count // 2] if count else None


# --- plan: what the load steps request, and the SQL behind each URL -------------------------------------------------

ROLE_RULES = {
    "products": {
        "count": r'^SELECT COUNT\(\*\) AS "__count" FROM "catalog_product"',
        "page": r'^SELECT "catalog_product"\."id"',
        "variants": r'^SELECT "catalog_variant"\."id"',
    },
    "stock_levels": {
        "count": r'^SELECT COUNT\(\*\) AS "__count" FROM "stock_stocklevel"',
        "page": r'^SELECT "stock_stocklevel"\."id"',
    },
    "stock_movements": {"page": r'^SELECT "stock_stockmovement"\."id"'},
    "dashboard_overview": {
        "counts": r'AS "total_products"',
        "figures": r'AS "total_stock"',
        "analytics": r'AS "total_value" FROM "catalog_category"',
    },
    "dashboard_sales": {
        "totals": r'^SELECT COUNT\(DISTINCT "sales_salesorderitem"\."order_id"\)',
        "per_day": r'^SELECT \("sales_salesorder"\."fulfilled_at"',
        "ledger": r'AS "sold"',
    },
    "dashboard_trends": {"days": r'AS "units_in"'},
}
# No prefetch query when the page is empty; no count when the page is short (its rows tell it: core.pagination).
OPTIONAL_ROLES = {"variants", "count"}


def list_urls(organization) -> dict[str, list[str]]:
    """Pages of 50 of the three big lists, unfiltered and with each of the contract's filters, on typical values."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Category, Product, Variant
    from stock.models import StockMovement
    from suppliers.models import Supplier
    from users.models import User
    from warehouses.models import Warehouse

    org = {"organization": organization}
    warehouse = _middle(Warehouse.objects.filter(**org), "pk")
    category = _middle(Category.objects.filter(**org), "pk")
    supplier = _middle(Supplier.objects.filter(**org), "pk")
    product = _middle(Product.objects.filter(**org), "pk")
    variant = _middle(Variant.objects.filter(**org), "pk")
    clerk = _middle(User.objects.filter(**org, role="staff"), "pk")
    today = timezone.now().date()
    month_ago = (today - timedelta(days=30)).isoformat()
    week_ago = (today - timedelta(days=7)).isoformat()
    size = f"page_size={PAGE_SIZE}"
    product_count = Product.objects.filter(**org).count()
    level_pages = max(1, (Variant.objects.filter(**org).count() * 5) // PAGE_SIZE)
    urls = {
        "products": [
            f"/api/products/?{size}",
            f"/api/products/?{size}&page={max(1, product_count // PAGE_SIZE // 2)}",
            f"/api/products/?{size}&category={category}",
            f"/api/products/?{size}&supplier={supplier}",
            f"/api/products/?{size}&warehouse={warehouse}",
            f"/api/products/?{size}&is_active=true",
            f"/api/products/?{size}&is_low_stock=true",
            f"/api/products/?{size}&ordering=-created_at",
        ],
        "stock_levels": [
            f"/api/stock-levels/?{size}",
            f"/api/stock-levels/?{size}&page={max(1, level_pages // 2)}",
            f"/api/stock-levels/?{size}&warehouse={warehouse}",
            f"/api/stock-levels/?{size}&product={product}",
            f"/api/stock-levels/?{size}&variant={variant}",
            f"/api/stock-levels/?{size}&low_stock=true",
            f"/api/stock-levels/?{size}&warehouse={warehouse}&low_stock=true",
        ],
        "stock_movements": [
            f"/api/stock-movements/?{size}",
            f"/api/stock-movements/?{size}&warehouse={warehouse}",
            f"/api/stock-movements/?{size}&product={product}",
            f"/api/stock-movements/?{size}&variant={variant}",
            f"/api/stock-movements/?{size}&movement_type=IN&reason=adjustment",
            f"/api/stock-movements/?{size}&performed_by={clerk}",
            f"/api/stock-movements/?{size}&created_after={month_ago}&created_before={week_ago}",
            f"/api/stock-movements/?{size}&warehouse={warehouse}&created_after={week_ago}",
        ],
    }
    assert StockMovement.objects.filter(**org).exists(), "no movements: run generate_bench_data first"
    return urls


def dashboard_urls(organization) -> dict[str, list[str]]:
    from datetime import timedelta

    from django.utils import timezone

    from warehouses.models import Warehouse

    warehouse = _middle(Warehouse.objects.filter(organization=organization), "pk")
    today = timezone.now().date()
    quarter = f"from={(today - timedelta(days=89)).isoformat()}&to={today.isoformat()}"
    return {
        "dashboard_overview": ["/api/dashboard/", f"/api/dashboard/?warehouse={warehouse}"],
        "dashboard_sales": [
            "/api/dashboard/sales/",
            f"/api/dashboard/sales/?{quarter}",
            f"/api/dashboard/sales/?warehouse={warehouse}",
        ],
        "dashboard_trends": [
            "/api/dashboard/trends/?days=30",
            "/api/dashboard/trends/?days=90",
            f"/api/dashboard/trends/?days=30&warehouse={warehouse}",
        ],
    }


def _roles(shape: str, statements: list[str], url: str) -> dict[str, int]:
    roles = {}
    for role, pattern in ROLE_RULES[shape].items():
        matches = [index for index, sql in enumerate(statements) if re.search(pattern, sql)]
        if not matches:
            if role in OPTIONAL_ROLES:
                continue
            raise RuntimeError(
                f"no statement for {role!r} among {len(statements)}: {[sql[:80] for sql in statements]}"
            )
        roles[role] = matches[0]
    return roles


# The shapes whose API reads kept figures (decision 0023): the raw baseline runs the aggregates over the raw rows
# instead (`bench.raw_dashboard`, captured through the same view), so "identical bodies" checks the kept figures.
RAW_AGGREGATES = {
    "dashboard_overview": "dashboard_overview",
    "dashboard_sales": "dashboard_sales",
    "dashboard_trends": "dashboard_trends",
}


def capture_raw_aggregates(client, url: str, shape: str):
    """Like `capture`, with the view's selector swapped for its aggregate over the raw rows."""
    from unittest import mock

    from bench import raw_dashboard
    from dashboard import selectors

    name = RAW_AGGREGATES[shape]
    with mock.patch.object(selectors, name, getattr(raw_dashboard, name)):
        capture(client, url)  # warm, as for the API's own capture
        return capture(client, url)


def plan_main(out: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    from rest_framework.test import APIClient

    admin = bench_admin()
    groups = {"lists": list_urls(admin.organization), "dashboard": dashboard_urls(admin.organization)}
    client = APIClient()
    plans, summary, skipped = {}, {}, {}
    for group in groups.values():
        for shape, urls in group.items():
            for url in list(urls):
                capture(client, url)  # warm: the first request of a process loads code and opens the connection
                response, statements, elapsed = capture(client, url)
                api_statements = statements
                if shape in RAW_AGGREGATES:
                    _, statements, _ = capture_raw_aggregates(client, url, shape)
                try:
                    if response.status_code != 200:
                        raise RuntimeError(f"answered {response.status_code} {response.content[:200]!r}")
                    roles = _roles(shape, statements, url)
                except RuntimeError as error:
                    # The view changed under the baseline (a new status, or SQL the raw app does not know): leave the
                    # URL out and say so, rather than stop every other step.
                    skipped[url] = str(error)[:300]
                    urls.remove(url)
                    continue
                query = parse_qs(urlsplit(url).query)
                plan = {
                    "shape": shape,
                    "statements": statements,
                    "roles": roles,
                    "page": int(query.get("page", ["1"])[0]),
                    "page_size": int(query.get("page_size", [PAGE_SIZE])[0]),
                }
                body = response.json()
                if shape == "dashboard_sales":
                    plan["from"], plan["to"] = body["from"], body["to"]
                elif shape == "dashboard_trends":
                    plan["from"], plan["to"] = body[0]["date"], body[-1]["date"]
                plans[url] = plan
                if api_statements is not statements:
                    plan["api_statements"] = api_statements
                summary[url] = {"queries": len(api_statements), "ms": round(elapsed * 1000, 1)}
    Path(out).write_text(json.dumps({"groups": groups, "plans": plans, "skipped": skipped}))
    return {"urls": len(plans), "summary": summary, "skipped": skipped}


# --- indexes: EXPLAIN every filter and ordering of every list route -------------------------------------------------


def list_routes() -> list[tuple[str, type]]:
    """(path, view class) of every `-list` route under /api/."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and (pattern.name or "").endswith("-list"):
                cls = getattr(pattern.callback, "cls", None)
                if cls is None or "format" in str(pattern.pattern):  # the `.json` suffix twins
                    continue
                found.append(("/" + (prefix + str(pattern.pattern)).replace("^", "").replace("$", ""), cls))

    walk(get_resolver().url_patterns, "")
    seen, routes = set(), []
    for path, cls in found:
        if path.startswith("/api/") and path not in seen:
            seen.add(path)
            routes.append((path, cls))
    return routes


def _of(model, organization):
    """The model's rows of the organization (by its own `organization` field or its parent's)."""
    names = {field.name for field in model._meta.get_fields()}
    if "organization" in names:
        return model.objects.filter(organization=organization)
    for parent in ("order", "transfer", "user"):
        if parent in names:
            return model.objects.filter(**{f"{parent}__organization": organization})
    return model.objects.all()


def _filter_value(name: str, flt, model, organization):
    """A typical, existing value for one filter of a list route."""
    from datetime import timedelta

    import django_filters
    from django.core.exceptions import FieldError
    from django.utils import timezone

    from catalog.models import Category, Product, Variant
    from suppliers.models import Supplier
    from users.models import User
    from warehouses.models import Warehouse

    today = timezone.now().date()
    related = {
        "warehouse": Warehouse,
        "source_warehouse": Warehouse,
        "destination_warehouse": Warehouse,
        "product": Product,
        "variant": Variant,
        "category": Category,
        "supplier": Supplier,
        "performed_by": User,
        "created_by": User,
        "requested_by": User,
        "user": User,
    }
    if isinstance(flt, django_filters.BooleanFilter):
        return "true"
    if isinstance(flt, django_filters.DateFilter):
        # Selective ranges: the last week, or the first week of the history.
        return (today - timedelta(days=7 if "after" in name else 358)).isoformat()
    if isinstance(flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
        if name in related:
            return _middle(_of(related[name], organization), "pk")
        return _middle(_of(model._meta.get_field(flt.field_name).remote_field.model, organization), "pk")
    if isinstance(flt, django_filters.ChoiceFilter):
        choices = [value for value, _label in flt.field.choices if value not in ("", None)]
        field = flt.field_name
        counts = {value: _of(model, organization).filter(**{field: value}).count() for value in choices}
        return min(choices, key=lambda value: (counts[value], choices.index(value)))  # the most selective
    if name in related:
        return _middle(_of(related[name], organization), "pk")
    try:
        return _middle(_of(model, organization), flt.field_name)
    except FieldError:  # a filter with a method and a name of its own
        return "x" if isinstance(flt, django_filters.CharFilter) else None


def route_cases(path: str, view, organization) -> list[tuple[str, str]]:
    """(label, URL) for the route's default page, each filter, each ordering and a search."""
    from rest_framework.filters import OrderingFilter, SearchFilter

    view_instance = view()
    queryset = getattr(view, "queryset", None)
    model = queryset.model if queryset is not None else None
    size = f"page_size={PAGE_SIZE}"
    cases = [("(default)", f"{path}?{size}")]
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None and model is not None:
        for name, flt in filterset.base_filters.items():
            value = _filter_value(name, flt, filterset._meta.model, organization)
            if value is not None:
                cases.append((f"{name}={value}", f"{path}?{size}&{name}={value}"))
    backends = getattr(view_instance, "filter_backends", [])
    if any(issubclass(backend, OrderingFilter) for backend in backends):
        # One direction each: a b-tree index serves both.
        for field in getattr(view, "ordering_fields", None) or []:
            cases.append((f"ordering=-{field}", f"{path}?{size}&ordering=-{field}"))
    if any(issubclass(backend, SearchFilter) for backend in backends) and getattr(view, "search_fields", None):
        cases.append(("search=00042", f"{path}?{size}&search=00042"))
    return cases


def _table_sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)",
            [list(WATCHED_TABLES)],
        )
        return dict(cursor.fetchall())


def _explain(sql: str, *, analyze: bool, seqscan: bool = True) -> dict:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if not seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        return cursor.fetchone()[0][0]


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _verdict(plan: dict, big: dict[str, int], fallback: dict | None) -> tuple[str, list[str]]:
    """'index', or 'FLAG' with why: a sequential scan of a big table that discards most of it (or runs once per outer
    row), an index scan that reads 50,000 rows or more to keep a tenth of them, or a sort of 5,000 rows or more.
    """
    problems, notes = [], []
    for node in _nodes(plan["Plan"]):
        table = node.get("Relation Name")
        kind = node["Node Type"]
        if table in big and kind in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
            notes.append(f"{kind.replace(' Scan', '').lower()}:{node.get('Index Name') or table}")
            # An index used only for its order, reading most of the table to find a page: as bad as a scan.
            loops = node.get("Actual Loops", 1)
            kept = node.get("Actual Rows", 0) * loops
            removed = node.get("Rows Removed by Filter", 0) * loops
            if removed >= BIG_TABLE_ROWS and removed > 10 * kept:
                problems.append(f"INDEX SCAN {table} reads {removed + kept:,} rows for {kept:,}")
        if table in big and kind == "Seq Scan":
            # A parallel scan counts one loop per process; only a scan repeated for each outer row is a loop.
            processes = node.get("Actual Loops", 1)
            loops = 1 if node.get("Parallel Aware") else processes
            kept = node.get("Actual Rows", 0) * processes
            removed = node.get("Rows Removed by Filter", 0) * processes
            share = kept / max(kept + removed, 1)
            if loops > 1 or (removed > kept and kept + removed > big[table] * 0.5):
                problems.append(f"SEQ SCAN {table} (keeps {share:.0%}, {loops} loop{'s' * (loops > 1)})")
            else:
                notes.append(f"seq:{table} keeps {share:.0%}")
        if kind in ("Sort", "Incremental Sort"):
            rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
            child_rows = sum(c.get("Actual Rows", 0) * c.get("Actual Loops", 1) for c in node.get("Plans", []))
            if max(rows, child_rows) >= BIG_SORT_ROWS:
                problems.append(f"SORT {max(rows, child_rows):,} rows ({', '.join(node.get('Sort Key', []))[:60]})")
    if problems:
        if fallback is not None and not any(
            n["Node Type"] == "Seq Scan" and n.get("Relation Name") in big for n in _nodes(fallback["Plan"])
        ):
            notes.append("an index plan exists (planner chose the scan)")
        return "FLAG", problems + notes
    return "index", notes


def indexes_main(out: str) -> dict:
    from rest_framework.test import APIClient

    admin = bench_admin()
    organization = admin.organization
    sizes = _table_sizes()
    big = {table: rows for table, rows in sizes.items() if rows >= BIG_TABLE_ROWS}
    client = APIClient()
    rows, details = [], []
    for path, view in list_routes():
        for label, url in route_cases(path, view, organization):
            response, statements, elapsed = capture(client, url)
            checked = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
            checked = [sql for sql in checked if any(f'"{table}"' in sql for table in big)]
            verdicts, notes, db_ms = [], [], 0.0
            for sql in checked:
                plan = _explain(sql, analyze=True)
                db_ms += plan.get("Execution Time", 0.0)
                fallback = _explain(sql, analyze=False, seqscan=False)
                verdict, why = _verdict(plan, big, fallback)
                verdicts.append(verdict)
                notes.extend(why)
                details.append({"url": url, "sql": sql, "verdict": verdict, "notes": why, "plan": plan})
            rows.append(
                {
                    "route": path,
                    "case": label,
                    "contract": in_contract(path, label),
                    "status": response.status_code,
                    "queries": len(statements),
                    "checked": len(checked),
                    "db_ms": round(db_ms, 1),
                    "ms": round(elapsed * 1000, 1),
                    "verdict": "FLAG" if "FLAG" in verdicts else ("index" if checked else "-"),
                    "notes": sorted(set(notes)),
                }
            )
    Path(out).write_text(json.dumps({"big_tables": big, "rows": rows, "details": details}, default=str))
    return {"big_tables": big, "rows": rows}


# --- lowstock: the daily low-stock job over every level -------------------------------------------------------------


def lowstock_main() -> dict:
    from django.core import mail
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from stock.models import StockLevel
    from stock.selectors import stock_level_low_list

    try:
        from stock import tasks
    except ImportError as error:
        return {"skipped": f"stock.tasks cannot be imported ({error})"}
    job = getattr(tasks, "send_low_stock_alerts", None)
    if job is None:
        return {"skipped": "stock.tasks.send_low_stock_alerts does not exist yet"}

    admin = bench_admin()
    levels = StockLevel.objects.filter(organization=admin.organization).count()
    low = stock_level_low_list(organization_id=admin.organization_id).count()
    mail.outbox = []

    class _RolledBack(Exception):
        pass

    # In a transaction rolled back at the end, so a second run on the same day still has every digest to send.
    # E-mails sent from on_commit hooks would never leave: capture them with the hooks run inside the block.
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                run = getattr(job, "run", job)  # a Celery task's body, called in this process
                result = run()
                seconds = time.perf_counter() - started
                raise _RolledBack
        except _RolledBack:
            pass
    sent = len(getattr(mail, "outbox", []))
    return {
        "seconds": round(seconds, 3),
        "queries": len(queries.captured_queries),
        "levels": levels,
        "low_levels": low,
        "emails": sent,
        "result": str(result)[:200],
    }


# Every selector the dashboards read kept figures through, with its aggregate over the raw rows (decisions 0023, 0024).
RAW_SELECTORS = (
    "dashboard_overview",
    "dashboard_sales",
    "dashboard_top_products",
    "dashboard_trends",
    "warehouse_stock_figures",
    "warehouse_staff_activity",
)


def kept_main(urls: list[str]) -> dict:
    """Each dashboard URL answered from the kept figures and from the aggregates over the raw rows (every kept
    selector swapped for its raw one, in-process): whether the two bodies are identical, and what the raw took.
    """
    from contextlib import ExitStack
    from unittest import mock

    from rest_framework.test import APIClient

    from bench import raw_dashboard
    from dashboard import selectors

    client = APIClient()
    found = {}
    for url in urls:
        kept, _, _ = capture(client, url)
        with ExitStack() as stack:
            for name in RAW_SELECTORS:
                stack.enter_context(mock.patch.object(selectors, name, getattr(raw_dashboard, name)))
            raw, _, elapsed = capture(client, url)
        same = kept.status_code == raw.status_code == 200 and kept.content == raw.content
        found[url] = {"identical": same, "raw_ms": round(elapsed * 1000, 1)}
    return found


def main() -> int:
    setup_django()
    step = sys.argv[1]
    if step == "kept":
        result = kept_main(json.loads(sys.argv[2]))
    elif step == "plan":
        result = plan_main(sys.argv[2])
    elif step == "indexes":
        result = indexes_main(sys.argv[2])
    elif step == "lowstock":
        result = lowstock_main()
    else:
        raise SystemExit(f"unknown step {step!r}")
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
