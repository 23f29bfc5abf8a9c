"""The raw baseline: a bare WSGI app that runs the API's own SQL with psycopg and serialises with orjson.

No Django, no DRF: for each request it looks its path and query string up in the plan that `bench/steps.py plan`
captured from the real views (every statement the view ran for that URL, as literal SQL), runs those statements on
one psycopg connection per thread (autocommit, client-side binding, nothing prepared: as Django ran them before
decision 0032, so every statement is planned on every request), and builds the same JSON body from the rows with
plain dicts and `orjson.dumps`. What the API spends beyond this is the cost of the framework: routing,
authentication, permissions, filter validation, the ORM building SQL and objects, and the serializers.

    BENCH_PLAN=/tmp/plan.json BENCH_RAW_DSN=postgres://... gunicorn bench.raw_app:application
"""

import base64
import datetime as dt
import os
import threading
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote, urlencode

import orjson
import psycopg

_PLAN = None
_local = threading.local()
CENT = Decimal("0.01")


def _plan() -> dict:
    global _PLAN
    if _PLAN is None:
        with open(os.environ["BENCH_PLAN"], "rb") as handle:
            _PLAN = orjson.loads(handle.read())["plans"]
    return _PLAN


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = psycopg.connect(
            os.environ["BENCH_RAW_DSN"],
            autocommit=True,
            prepare_threshold=None,
            cursor_factory=psycopg.ClientCursor,
            options="-c TimeZone=UTC",
        )
        _local.connection = connection
    return connection


def application(environ, start_response):
    query = environ.get("QUERY_STRING", "")
    key = environ["PATH_INFO"] + (f"?{query}" if query else "")
    plan = _plan().get(key)
    if plan is None:
        body = orjson.dumps({"status": 404, "code": "not_found", "detail": f"No plan for {key}."})
        start_response("404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    results = []
    with _connection().cursor() as cursor:
        for sql in plan["statements"]:
            cursor.execute(sql)
            names = [column.name for column in cursor.description]
            results.append((names, cursor.fetchall()))
    rows = {role: results[index] for role, index in plan["roles"].items()}
    body = orjson.dumps(SHAPES[plan["shape"]](rows, plan, environ))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# --- Formatting as the API does -------------------------------------------------------------------------------------


def _money(value):
    return None if value is None else str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def _datetime(value):
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value):
    return None if value is None else value.isoformat()


def _dicts(result) -> list[dict]:
    names, rows = result
    return [dict(zip(names, row, strict=True)) for row in rows]


def _page_links(environ, count: int, plan: dict):
    page, size = plan["page"], plan["page_size"]
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}"
    following = f"{base}?page={page + 1}&page_size={size}" if page * size < count else None
    previous = f"{base}?page={page - 1}&page_size={size}" if page > 1 else None
    return following, previous


def _count(rows, plan) -> int:
    """The page's `count`: its statement's, or, when the API sent none (a short page), the rows before the page and
    on it, as the API's paginator counts them (`core.pagination.RowsFirstPaginator`).
    """
    if "count" in rows:
        return rows["count"][1][0][0]
    return (plan["page"] - 1) * plan["page_size"] + len(rows["page"][1])


# --- Shapes ---------------------------------------------------------------------------------------------------------


def _products(rows, plan, environ):
    variants_by_product: dict[int, list] = {}
    for variant in _dicts(rows["variants"]):
        variants_by_product.setdefault(variant["product_id"], []).append(
            {
                "id": variant["id"],
                "sku": variant["sku"],
                "barcode": variant["barcode"],
                "attributes": variant["attributes"],
                "price": _money(variant["price"]),
                "cost": _money(variant["cost"]),
                "reorder_level": variant["reorder_level"],
                "quantity": variant["quantity"],
                "reserved": variant["reserved"],
                "available": variant["quantity"] - variant["reserved"],  # Σ level.quantity - Σ level.reserved
                "is_low_stock": variant["is_low_stock"],
            }
        )
    # The page query names its columns as the response does (`catalog.selectors.product_rows`). The product shows
    # `total_available` only; the query's `total_reserved` (Σ level.reserved over its variants) is what it subtracts.
    results = [
        {
            "id": product["id"],
            "name": product["name"],
            "description": product["description"],
            "category": product["category"],
            "category_name": product["category_name"],
            "supplier": product["supplier"],
            "supplier_name": product["supplier_name"],
            "expiration_date": _date(product["expiration_date"]),
            "is_active": product["is_active"],
            "variants": variants_by_product.get(product["id"], []),
            "total_quantity": product["total_quantity"],
            "total_available": product["total_quantity"] - product["total_reserved"],
            "is_low_stock": product["is_low_stock"],
            "is_expired": product["is_expired"],
            "has_expiry": product["has_expiry"],
            "created_by": (
                None
                if product["created_by"] is None
                else {"id": product["created_by"], "username": product["created_by_username"]}
            ),
            "created_at": _datetime(product["created_at"]),
            "updated_at": _datetime(product["updated_at"]),
        }
        for product in _dicts(rows["page"])
    ]
    count = _count(rows, plan)
    following, previous = _page_links(environ, count, plan)
    return {"count": count, "next": following, "previous": previous, "results": results}


def _stock_levels(rows, plan, environ):
    results = [
        {
            "id": level["id"],
            "variant": level["variant_id"],
            "sku": level["sku"],
            "product": level["product_id"],
            "product_name": level["product_name"],
            "warehouse": level["warehouse_id"],
            "warehouse_name": level["warehouse_name"],
            "quantity": level["quantity"],
            "reserved": level["reserved"],
            "available": level["available"],  # the query's `quantity - reserved` column
            "reorder_level": level["reorder_level"],
            "reorder_level_override": level["reorder_level_override"],
            "is_low_stock": level["is_low_stock"],
            "updated_at": _datetime(level["updated_at"]),
        }
        for level in _dicts(rows["page"])
    ]
    count = _count(rows, plan)
    following, previous = _page_links(environ, count, plan)
    return {"count": count, "next": following, "previous": previous, "results": results}


def _stock_movements(rows, plan, environ):
    movements = _dicts(rows["page"])
    size = plan["page_size"]
    following = None
    if len(movements) > size:
        movements = movements[:size]
        last = movements[-1]  # the API's cursor: the last row's (created_at, id)
        position = urlencode({"p": last["created_at"].astimezone(dt.UTC).isoformat(), "i": last["id"]})
        cursor = quote(base64.b64encode(position.encode()).decode())
        following = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}?cursor={cursor}"
    results = [
        {
            "id": movement["id"],
            "variant": movement["variant_id"],
            "sku": movement["sku"],
            "product": movement["product_id"],
            "product_name": movement["product_name"],
            "warehouse": movement["warehouse_id"],
            "warehouse_name": movement["warehouse_name"],
            "movement_type": movement["movement_type"],
            "reason": movement["reason"],
            "quantity": movement["quantity"],
            "balance_after": movement["balance_after"],
            "unit_cost": _money(movement["unit_cost"]),
            "reference": (
                {"type": movement["reference_type"], "id": movement["reference_id"]}
                if movement["reference_type"] and movement["reference_id"] is not None
                else None
            ),
            "performed_by": (
                {"id": movement["performed_by_id"], "username": movement["performed_by_username"]}
                if movement["performed_by_id"]
                else None
            ),
            "note": movement["note"],
            "created_at": _datetime(movement["created_at"]),
        }
        for movement in movements
    ]
    return {"next": following, "previous": None, "results": results}


def _overview(rows, plan, environ):
    counts = _dicts(rows["counts"])[0]
    figures = _dicts(rows["figures"])[0]
    analytics = [
        {"category": row["category"], "category_name": row["category_name"], "total_value": _money(row["total_value"])}
        for row in _dicts(rows["analytics"])
    ]
    if figures["uncategorized_levels"]:
        analytics.append(
            {"category": None, "category_name": "Uncategorized", "total_value": _money(figures["uncategorized_value"])}
        )
    total, expired = figures["total_inventory_value"], figures["expired_inventory_value"]
    return {
        "counts": {**counts, "low_stock": figures["low_stock"]},
        "stock": {
            "total_stock": figures["total_stock"],
            "total_reserved": figures["total_reserved"],
            "total_available": figures["total_stock"] - figures["total_reserved"],
        },
        "financial": {
            "total_inventory_value": _money(total),
            "total_retail_value": _money(figures["total_retail_value"]),
            "expired_inventory_value": _money(expired),
            "real_inventory_value": _money(total - expired),
        },
        "analytics": analytics,
    }


def _days(plan) -> list[dt.date]:
    start, end = dt.date.fromisoformat(plan["from"]), dt.date.fromisoformat(plan["to"])
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


def _sales(rows, plan, environ):
    totals = _dicts(rows["totals"])[0]
    by_date = {row["date"]: row for row in _dicts(rows["per_day"])}
    ledger = _dicts(rows["ledger"])[0]
    cost = ledger["sold"] - ledger["returned"]
    amount = totals["amount"]
    margin = amount - cost
    by_day = []
    for day in _days(plan):
        row = by_date.get(day)
        by_day.append(
            {
                "date": day.isoformat(),
                "orders": row["orders"] if row else 0,
                "units": row["units"] if row else 0,
                "amount": _money(row["amount"] if row else 0),
            }
        )
    return {
        "from": plan["from"],
        "to": plan["to"],
        "orders_count": totals["orders"],
        "units_sold": totals["units"],
        "total_sales_amount": _money(amount),
        "cost_of_goods_sold": _money(cost),
        "gross_margin": _money(margin),
        "gross_margin_percent": _money(margin * 100 / amount) if amount else None,
        "by_day": by_day,
    }


def _trends(rows, plan, environ):
    by_date = {row["date"]: (row["units_in"], row["units_out"]) for row in _dicts(rows["days"])}
    result = []
    for day in _days(plan):
        units_in, units_out = by_date.get(day, (0, 0))
        result.append({"date": day.isoformat(), "in": units_in, "out": units_out, "net": units_in - units_out})
    return result


SHAPES = {
    "products": _products,
    "stock_levels": _stock_levels,
    "stock_movements": _stock_movements,
    "dashboard_overview": _overview,
    "dashboard_sales": _sales,
    "dashboard_trends": _trends,
}
