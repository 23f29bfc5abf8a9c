"""Contention on one stock level: N threads selling the same SKU through the HTTP API, against a raw-SQL baseline.

    .venv/bin/python bench/ledger_contention.py                          # 16 threads, 20 s per phase
    .venv/bin/python bench/ledger_contention.py --endpoint sales-orders  # sell with sales orders instead
    .venv/bin/python bench/ledger_contention.py --stock 500              # stock runs out mid-run: refusals too
    .venv/bin/python bench/ledger_contention.py --small                  # 4 threads, 3 s: a smoke run
    .venv/bin/python bench/ledger_contention.py --spread                 # and the same requests on one SKU each
    .venv/bin/python bench/ledger_contention.py --pending-share 0.25     # and again, a quarter of the threads
                                                                         # selling through pending orders
    .venv/bin/python bench/ledger_contention.py --keep-database --database-url postgres://.../stockroom_bench_full
                                                                         # next to generate_bench_data's million rows

It drops and re-creates its own PostgreSQL database (`stockroom_bench` by default; `--database-url`), migrates it,
creates an organization, an admin, a warehouse and two variants with opening stock through the ledger, then:
(`--keep-database` keeps the database and its data, and adds an organization with names of its own for this run.)

1. HTTP: starts the API under `--server` (Granian by default) on 127.0.0.1 (a free port, `THROTTLE_USER_RATE`
   very high) and runs `--threads` client threads (stdlib `http.client`, one keep-alive connection each) that sell
   one unit of the same SKU per request for `--duration` seconds (and at most `--max-requests` in all). "Selling"
   is `--endpoint`:
   - `stock-adjustments` (default): `POST /api/stock-adjustments/ {variant, warehouse, quantity: -1}`;
   - `sales-orders`: `POST /api/sales-orders/ {warehouse, items: [{variant, quantity: 1}]}` (created fulfilled).
2. Baseline: the same number of threads, each with its own psycopg connection, doing by hand what the ledger does
   for one line — `SELECT ... FOR UPDATE` the level, check it, `UPDATE` it and its product's total, `INSERT` the
   movement and its tally of the day, commit — on the second SKU for the same time.

With `--rounds N`, the phases take turns N times (the API's, then the baseline's, with the server idle), so a
machine whose speed drifts from one minute to the next drifts for both alike; each line adds up its rounds.

With `--pending-share F`, the hot-SKU phase runs a second time with a share F of the threads (at least one)
creating a pending order of one unit (`status: "pending"`: it reserves the unit on the level the others sell from)
and fulfilling it (`POST /api/sales-orders/{id}/fulfill/`: the fulfilment consumes the reservation); the other
threads sell as before. Its `writes/s` counts every successful write on the level (sales, fulfilments and the
pending orders' reservations), comparable with the first phase's; `ops/s` stays units sold.

With `--spread`, a further phase sends the same HTTP requests with one SKU per client thread (no row contention at
all): when it is no faster than the hot-SKU phase, the hot row is not what limits the API.

For each it prints operations/s (units sold per second), requests/s, p50/p99 latency, refusals (409
`insufficient_stock`), oversells and 5xx; then the HTTP/baseline ratios. An oversell is a unit sold without being
taken off the level (sold − (opening − final)) or sold beyond the opening stock; both must be 0, and so must 5xx.
`check_stock_integrity` runs at the end. Exit status 1 when an oversell, a 5xx or an integrity difference shows up.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import servers as wsgi_servers  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/stockroom_bench"
USERNAME, PASSWORD = "bench_admin", "bench-Password-1"
HTTP_SKU, RAW_SKU = "BENCH-HTTP", "BENCH-RAW"
ENDPOINTS = ("stock-adjustments", "sales-orders")


def main() -> int:
    args = parse_args()
    env, server_env = environments(args)
    if args.setup:
        os.environ.update(env)
        print(json.dumps(setup_data(args.stock, args.tag, args.threads if args.spread else 0)))
        return 0
    ids = prepare_database(args, env)
    global USERNAME
    USERNAME = ids["username"]
    load_before = os.getloadavg()
    results = measure_http(args, ids, server_env)
    integrity = subprocess.run(
        [sys.executable, "manage.py", "check_stock_integrity"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    figures = report(args, results, integrity, (load_before, os.getloadavg()))
    print("BENCH_RESULT " + json.dumps(figures))  # one line for bench/run.py
    failed = figures["oversold"] or figures["5xx"] or integrity.returncode != 0
    return 1 if failed else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16, help="client threads (and baseline connections)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound of requests per phase")
    parser.add_argument("--stock", type=int, default=1_000_000, help="opening stock of each SKU")
    parser.add_argument("--endpoint", choices=ENDPOINTS, default="stock-adjustments", help="how the API sells")
    parser.add_argument("--server", choices=wsgi_servers.SERVERS, default=wsgi_servers.DEFAULT, help="WSGI server")
    parser.add_argument("--workers", type=int, default=3, help="server worker processes")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per server worker")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="the API's cache (authentication and throttle as deployed); none: local memory",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--small", action="store_true", help="4 threads, 3 s, 1 worker: a smoke run")
    parser.add_argument("--keep-database", action="store_true", help="use the database as it is (add, drop nothing)")
    parser.add_argument("--spread", action="store_true", help="also sell through HTTP with one SKU per thread")
    parser.add_argument(
        "--pending-share",
        type=float,
        default=0.0,
        help="also run the hot-SKU phase with this share of the threads creating pending orders and fulfilling them",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the hot-SKU phases (with --pending-share, both) and the raw SQL loop this many times (a "
        "drifting machine's speed then falls on all alike), and report the median of the rounds' pending ratios",
    )
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("--tag", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small:
        args.threads, args.duration, args.workers, args.worker_threads = 4, 3.0, 1, 4
    return args


def environments(args) -> tuple[dict, dict]:
    """The environment of the setup and management commands, and the server's (the same, plus Redis if asked)."""
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_USER_RATE": "100000000/min",
        "THROTTLE_LOGIN_RATE": "100000/min",
        "JWT_ACCESS_MINUTES": "120",
        "CONN_MAX_AGE": "600",
    }
    env.pop("REDIS_URL", None)
    if not args.redis_url:
        return env, env
    return env, {**env, "REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": "stockroom-contention"}


def prepare_database(args, env: dict) -> dict:
    """Re-create (or keep) and migrate the database, then create the data in a child process; return its ids."""
    tag = ""
    if args.keep_database:
        tag = time.strftime("%Y%m%d%H%M%S")
        print(f"database {args.database_url}: kept; migrating ...", flush=True)
    else:
        print(f"database {args.database_url}: re-creating and migrating ...", flush=True)
        recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    setup = [sys.executable, __file__, "--setup", "--stock", str(args.stock), "--database-url", args.database_url]
    setup += ["--tag", tag, "--threads", str(args.threads), *(["--spread"] if args.spread else [])]
    out = subprocess.run(setup, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_http(args, ids: dict, server_env: dict) -> dict:
    """The phases under one server: in each round the hot SKU, then (if asked) with pending orders, then the raw SQL
    loop (the server idle); after the rounds, spread."""
    port = free_port()
    command = wsgi_servers.command(
        args.server, "config.wsgi:application", port, workers=args.workers, threads=args.worker_threads
    )
    server = subprocess.Popen(command, cwd=ROOT, env=server_env)
    try:
        wait_until_up(port)
        token = login(port)
        warm_up(port, token, args, ids)
        hot = [("http", run_http)] + ([("pending", run_http_pending)] if args.pending_share > 0 else [])
        hot.append(("raw", lambda _port, _token, args, ids: run_raw(args, ids)))
        rounds = {name: [] for name, _ in hot}
        for _ in range(args.rounds):
            for name, run in hot:
                level = ids["raw_level" if name == "raw" else "http_level"]
                rounds[name].append(_phase(run, port, token, args, ids, level_of, level))
        results = {name: combined(phases) for name, phases in rounds.items()}
        if "pending" in rounds:
            ratios = [p.writes / max(h.writes, 1) for h, p in zip(rounds["http"], rounds["pending"], strict=True)]
            results["pending"].ratios = ratios
        if args.spread:
            results["spread"] = _phase(
                run_http_spread, port, token, args, ids, stock_of_variants, ids["spread_variants"]
            )
    finally:
        stop(server)
    return results


def _phase(run, port: int, token: str, args, ids: dict, stock_of, rows) -> "Result":
    """One timed phase, with the stock of the rows it sells from read before and after."""
    opening = stock_of(args.database_url, rows)
    result = run(port, token, args, ids)
    result.opening, result.final, result.seconds = opening, stock_of(args.database_url, rows), args.duration
    return result


def combined(phases: list) -> "Result":
    """Rounds of one phase as one result (openings and finals add up, so units taken off the level still do)."""
    total = Result()
    for phase in phases:
        total.merge(phase)
        total.opening, total.final, total.seconds = (
            total.opening + phase.opening,
            total.final + phase.final,
            total.seconds + phase.seconds,
        )
    return total


def _print_pending_ratios(http: "Result", pending: "Result") -> None:
    rate = {name: (r.sold / r.seconds, r.writes / r.seconds) for name, r in (("http", http), ("pending", pending))}
    ratios = f"{rate['pending'][0] / rate['http'][0]:>8.2f} {rate['pending'][1] / rate['http'][1]:>8.2f}"
    print(f"{'with pending / without':34} {ratios}")
    if len(pending.ratios) > 1:
        shown = ", ".join(f"{ratio:.2f}" for ratio in pending.ratios)
        print(f"writes/s with pending / without, per round: {shown}; median {statistics.median(pending.ratios):.2f}")


def report(args, results: dict, integrity, loads) -> dict:
    """Print the table and the ratios; return the figures for bench/run.py."""
    http, raw = results["http"], results["raw"]
    rounds = f" × {args.rounds} rounds (alternating)" if args.rounds > 1 else ""
    print(
        f"\n{args.threads} threads × {args.duration:g} s{rounds}, one SKU; {args.server} {args.workers} workers × "
        f"{args.worker_threads} threads; load average {loads[0][0]:.2f} before, {loads[1][0]:.2f} after"
    )
    print(
        f"{'':34} {'ops/s':>8} {'writes/s':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'sold':>8} "
        f"{'refused':>8} {'oversold':>8} {'5xx':>5} {'other':>6}"
    )
    rows = [("POST /api/" + args.endpoint + "/", http)]
    if "pending" in results:
        rows.append((f"same, {pending_threads(args)} threads pending+fulfil", results["pending"]))
    if "spread" in results:
        rows.append(("same, one SKU per thread", results["spread"]))
    rows.append(("raw SQL (psycopg)", raw))
    for name, result in rows:
        print(result.line(name))
    ops_ratio = (http.sold / http.seconds) / (raw.sold / raw.seconds) if raw.sold else None
    if ops_ratio is not None:
        print(
            f"{'HTTP / raw SQL':34} {ops_ratio:>8.2f} {'':>8} {'':>8} "
            f"{http.p(50) / max(raw.p(50), 1e-9):>7.1f}× {http.p(99) / max(raw.p(99), 1e-9):>7.1f}×"
        )
    pending = results.get("pending")
    if pending is not None and http.writes:
        _print_pending_ratios(http, pending)
    print(
        f"check_stock_integrity: exit {integrity.returncode}: {integrity.stdout.strip() or integrity.stderr.strip()}"
    )
    for result in results.values():
        if result.errors_sample:
            print("unexpected responses (sample):", *result.errors_sample[:5], sep="\n  ")
    per_second = {name: result.sold / result.seconds for name, result in results.items()}
    return {
        "ops_ratio": ops_ratio,
        "http_ops": per_second["http"],
        "raw_ops": per_second["raw"],
        "spread_ops": per_second.get("spread"),
        "pending_ops": per_second.get("pending"),
        "pending_writes": pending.writes / pending.seconds if pending else None,
        "http_writes": http.writes / http.seconds,
        "pending_ratio_median": statistics.median(pending.ratios) if pending and pending.ratios else None,
        "oversold": sum(result.oversold for result in results.values()),
        "5xx": sum(result.server_errors for result in results.values()),
        "integrity_exit": integrity.returncode,
    }


# --- Setup ----------------------------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_data(stock: int, tag: str = "", spread: int = 0) -> dict:
    """(Child process, Django set up.) An organization, an admin, a warehouse, two SKUs with opening stock, and
    `spread` more (one per client thread of the `--spread` phase).
    """
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from decimal import Decimal

    from catalog.models import Product, Variant
    from core.roles import Role
    from stock.models import Reason, StockLevel
    from stock.services import StockChange, stock_add
    from users.models import Organization, User
    from warehouses.models import Warehouse

    username = f"ledger_{tag}" if tag else USERNAME
    organization = Organization.objects.create(name=f"Ledger Bench {tag}".strip())
    admin = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    admin.organization, admin.role = organization, Role.ADMIN
    admin.save()
    warehouse = Warehouse.objects.create(organization=organization, name="Bench", code="BENCH")
    # One product per SKU: a sale also updates its product's total, so SKUs of one product would share that row.
    variants = {
        sku: Variant.objects.create(
            organization=organization,
            product=Product.objects.create(
                organization=organization, name=f"Bench product {sku}", min_price=Decimal("5.00")
            ),
            sku=sku,
            price=Decimal("5.00"),
            cost=Decimal("2.00"),
        )
        for sku in (HTTP_SKU, RAW_SKU, *(f"{HTTP_SKU}-{n}" for n in range(spread)))
    }
    stock_add(
        organization_id=organization.pk,
        changes=[StockChange(variant.pk, warehouse.pk, stock) for variant in variants.values()],
        reason=Reason.OPENING,
        by=admin,
    )
    levels = {
        level.variant.sku: level.pk
        for level in StockLevel.objects.filter(organization=organization).select_related("variant")
    }
    return {
        "organization": organization.pk,
        "user": admin.pk,
        "username": username,
        "warehouse": warehouse.pk,
        "http_variant": variants[HTTP_SKU].pk,
        "raw_variant": variants[RAW_SKU].pk,
        "raw_product": variants[RAW_SKU].product_id,
        "spread_variants": [variants[f"{HTTP_SKU}-{n}"].pk for n in range(spread)],
        "http_level": levels[HTTP_SKU],
        "raw_level": levels[RAW_SKU],
    }


def level_of(url: str, level_id: int) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute("SELECT quantity FROM stock_stocklevel WHERE id = %s", [level_id]).fetchone()[0]


def stock_of_variants(url: str, variant_ids: list[int]) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        query = "SELECT COALESCE(SUM(quantity), 0) FROM stock_stocklevel WHERE variant_id = ANY(%s)"
        return connection.execute(query, [variant_ids]).fetchone()[0]


# --- The server ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30.0) -> None:
    wsgi_servers.wait_until_up(port, timeout=timeout)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def login(port: int) -> str:
    return wsgi_servers.login(port, USERNAME, PASSWORD)


# --- Measuring ------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    latencies: list = field(default_factory=list)  # seconds, every request
    sold: int = 0  # units sold: direct sales and fulfilled pending orders
    reserved: int = 0  # pending orders created (each reserves its unit until it is fulfilled)
    refused: int = 0
    server_errors: int = 0
    other: int = 0
    opening: int = 0
    final: int = 0
    errors_sample: list = field(default_factory=list)
    seconds: float = 0.0  # how long it ran (rounds added up)
    ratios: list = field(default_factory=list)  # writes/s against the phase without pending orders, per round

    def merge(self, other: "Result") -> None:
        self.latencies += other.latencies
        self.sold += other.sold
        self.reserved += other.reserved
        self.refused += other.refused
        self.server_errors += other.server_errors
        self.other += other.other
        self.errors_sample += other.errors_sample[:3]

    @property
    def writes(self) -> int:
        """Successful writes on the hot level: sales, fulfilments and pending orders' reservations."""
        return self.sold + self.reserved

    @property
    def oversold(self) -> int:
        taken = self.opening - self.final
        return max(self.sold - taken, 0) + max(self.sold - self.opening, 0) + max(-self.final, 0)

    def p(self, percentile: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * percentile / 100))] * 1000

    def line(self, name: str) -> str:
        duration = self.seconds
        return (
            f"{name:34} {self.sold / duration:>8.1f} {self.writes / duration:>8.1f} "
            f"{len(self.latencies) / duration:>8.1f} {self.p(50):>8.1f} "
            f"{self.p(99):>8.1f} {self.sold:>8} {self.refused:>8} {self.oversold:>8} {self.server_errors:>5} "
            f"{self.other:>6}"
        )


class _Budget:
    """Shared stop conditions: a deadline and a request count, whichever comes first."""

    def __init__(self, duration: float, max_requests: int):
        self.deadline = time.monotonic() + duration
        self.remaining = max_requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True


def _sell_request(args, ids) -> tuple[str, bytes]:
    if args.endpoint == "sales-orders":
        body = {"warehouse": ids["warehouse"], "items": [{"variant": ids["http_variant"], "quantity": 1}]}
    else:
        body = {"variant": ids["http_variant"], "warehouse": ids["warehouse"], "quantity": -1, "note": "bench"}
    return f"/api/{args.endpoint}/", json.dumps(body).encode()


def _run_threads(count: int, work) -> Result:
    results = [Result() for _ in range(count)]
    barrier = threading.Barrier(count)

    def worker(index):
        barrier.wait()
        work(results[index])

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Result()
    for result in results:
        total.merge(result)
    return total


def _post(connection, path: str, body: bytes, headers: dict, result: Result) -> tuple[int, bytes] | None:
    """POST and time it; None after a connection error (counted; the next request reconnects)."""
    started = time.perf_counter()
    try:
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        result.other += 1
        result.errors_sample.append(repr(error))
        return None
    result.latencies.append(time.perf_counter() - started)
    return response.status, payload


def _tally(result: Result, answer: tuple[int, bytes] | None, success: int) -> bool:
    """Count an answer; True when it is `success` (201 created, 200 fulfilled)."""
    if answer is None:
        return False
    status, payload = answer
    if status == success:
        return True
    if status == 409 and b"insufficient_stock" in payload:
        result.refused += 1
    elif status >= 500:
        result.server_errors += 1
        result.errors_sample.append(f"{status} {payload[:200]!r}")
    else:
        result.other += 1
        result.errors_sample.append(f"{status} {payload[:200]!r}")
    return False


def _headers(token: str) -> dict:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _http_loop(port: int, token: str, path: str, body: bytes, budget: _Budget, result: Result) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while budget.take():
        if _tally(result, _post(connection, path, body, _headers(token), result), 201):
            result.sold += 1
    connection.close()


def _pending_loop(port: int, token: str, ids: dict, budget: _Budget, result: Result) -> None:
    """Create a pending order of one unit (it reserves it), then fulfil it (the fulfilment consumes it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    items = [{"variant": ids["http_variant"], "quantity": 1}]
    body = json.dumps({"warehouse": ids["warehouse"], "status": "pending", "items": items}).encode()
    while budget.take():
        created = _post(connection, "/api/sales-orders/", body, _headers(token), result)
        if not _tally(result, created, 201):
            continue
        result.reserved += 1
        path = f"/api/sales-orders/{json.loads(created[1])['id']}/fulfill/"
        if _tally(result, _post(connection, path, b"{}", _headers(token), result), 200):  # even past the deadline
            result.sold += 1
    connection.close()


def warm_up(port: int, token: str, args, ids) -> None:
    """Open every worker's database connection and load the code before timing (these sales are not counted)."""
    path, body = _sell_request(args, ids)
    budget = _Budget(1.5, args.threads * 5)
    _run_threads(args.threads, lambda result: _http_loop(port, token, path, body, budget, result))


def run_http(port: int, token: str, args, ids) -> Result:
    path, body = _sell_request(args, ids)
    print(f"HTTP: {args.threads} threads selling through POST {path} for {args.duration:g} s ...", flush=True)
    budget = _Budget(args.duration, args.max_requests)
    return _run_threads(args.threads, lambda result: _http_loop(port, token, path, body, budget, result))


def run_http_spread(port: int, token: str, args, ids) -> Result:
    """The same requests as `run_http`, each thread selling its own SKU: no two requests wait for one row."""
    print(f"HTTP: {args.threads} threads, one SKU each, for {args.duration:g} s ...", flush=True)
    budget = _Budget(args.duration, args.max_requests)
    bodies = []
    for variant in ids["spread_variants"]:
        _path, body = _sell_request(args, {**ids, "http_variant": variant})
        bodies.append(body)
    path = f"/api/{args.endpoint}/"
    slots = iter(range(len(bodies)))
    lock = threading.Lock()

    def work(result: Result) -> None:
        with lock:
            body = bodies[next(slots)]
        _http_loop(port, token, path, body, budget, result)

    return _run_threads(args.threads, work)


def pending_threads(args) -> int:
    return min(args.threads, max(1, round(args.threads * args.pending_share)))


def run_http_pending(port: int, token: str, args, ids) -> Result:
    """The hot SKU again, a share of the threads selling through pending orders: each creates one (it reserves a
    unit of the level every other thread is selling), then fulfils it; the rest sell as `run_http` does.
    """
    pending = pending_threads(args)
    print(
        f"HTTP: {args.threads} threads on one SKU, {pending} of them creating and fulfilling pending orders, "
        f"for {args.duration:g} s ...",
        flush=True,
    )
    budget = _Budget(args.duration, args.max_requests)
    path, body = _sell_request(args, ids)
    slots = iter(range(args.threads))
    lock = threading.Lock()

    def work(result: Result) -> None:
        with lock:
            slot = next(slots)
        if slot < pending:
            _pending_loop(port, token, ids, budget, result)
        else:
            _http_loop(port, token, path, body, budget, result)

    return _run_threads(args.threads, work)


RAW_LOCK = "SELECT quantity FROM stock_stocklevel WHERE id = %s FOR UPDATE"
RAW_UPDATE = "UPDATE stock_stocklevel SET quantity = %s, updated_at = now(), totals_stale = true WHERE id = %s"
RAW_PRODUCT = "UPDATE catalog_product SET stock_quantity = stock_quantity - 1 WHERE id = %s"
RAW_INSERT = """
    INSERT INTO stock_stockmovement (organization_id, variant_id, warehouse_id, movement_type, reason, quantity,
        balance_after, unit_cost, reference_type, reference_id, performed_by_id, note, created_at)
    VALUES (%s, %s, %s, 'OUT', 'adjustment', 1, %s, 2.00, '', NULL, %s, 'bench raw', now())
"""

# The ledger's tally of the day's movements (decision 0023), added in the same transaction.
RAW_TALLY = """
    INSERT INTO stock_movementday (organization_id, warehouse_id, day, reason, performed_by_id, units_in, units_out,
        movements)
    VALUES (%s, %s, (now() AT TIME ZONE 'UTC')::date, 'adjustment', %s, 0, 1, 1)
"""


def run_raw(args, ids) -> Result:
    import psycopg

    print(
        f"raw SQL: {args.threads} connections doing lock/check/update/insert for {args.duration:g} s ...",
        flush=True,
    )
    budget = _Budget(args.duration, args.max_requests)
    level, org, variant, product, warehouse, user = (
        ids["raw_level"],
        ids["organization"],
        ids["raw_variant"],
        ids["raw_product"],
        ids["warehouse"],
        ids["user"],
    )

    def loop(result: Result) -> None:
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            while budget.take():
                started = time.perf_counter()
                with connection.transaction():
                    (quantity,) = connection.execute(RAW_LOCK, [level]).fetchone()
                    if quantity < 1:
                        result.refused += 1
                    else:
                        connection.execute(RAW_UPDATE, [quantity - 1, level])
                        connection.execute(RAW_PRODUCT, [product])
                        connection.execute(RAW_INSERT, [org, variant, warehouse, quantity - 1, user])
                        connection.execute(RAW_TALLY, [org, warehouse, user])
                        result.sold += 1
                result.latencies.append(time.perf_counter() - started)

    return _run_threads(args.threads, loop)


if __name__ == "__main__":
    sys.exit(main())
