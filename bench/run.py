"""Stockroom benchmarks at scale: `make bench` (full scale) and `make bench-smoke` (small scale, for CI).

    .venv/bin/python bench/run.py            # 10,000 products, 1,000,000 movements: about 15 minutes on 2 cores
    .venv/bin/python bench/run.py --small    # 500 products, 50,000 movements: a couple of minutes
    .venv/bin/python bench/run.py --reuse    # keep the generated database of a previous run of the same scale

Steps, each printing one table:

0. data: drop and re-create the PostgreSQL database (`stockroom_bench_full`, or `stockroom_bench_smoke` with
   `--small`), migrate it, and fill it with `manage.py generate_bench_data`.
1. indexes: `EXPLAIN ANALYZE` of the SQL every list route runs for each of its filters and orderings, on the
   generated data; sequential scans and big sorts on the big tables are flagged.
2. lists: `/api/products/`, `/api/stock-levels/`, `/api/stock-movements/` (pages of 50, with filters) through
   the WSGI server of `--server` (Granian by default; `bench/servers.py`), next to the raw baseline
   (`bench/raw_app.py`: the same SQL with psycopg, serialised with orjson, under the same server settings), in
   alternating rounds so both see the same machine.
3. dashboard: `/api/dashboard/`, `/api/dashboard/sales/`, `/api/dashboard/trends/` (uncached) against the same SQL.
4. contention: `bench/ledger_contention.py` on this database (one hot SKU, N clients, HTTP vs raw SQL).
5. low-stock job: `stock.tasks.send_low_stock_alerts` over every level: seconds and queries.
6. reports: `bench/report_size.py` (the monthly movement report at 100,000 movements, PDF and CSV).
7. scale (full scale only, unless `--steps` names it): the dashboard routes, uncached, on this run's database and
   on one with ten times its movements over ten times the days (`<database>_x10`, built here; `--reuse` keeps it),
   side by side: the p50 of each (≤ 20 ms) and their ratio (≤ 1.5×: a cost independent of the history).
8. summary: every target as a ratio measured in this run.

The load generator is a small threaded client (stdlib `http.client`, a bounded number of requests): on two cores
shared by the server, the database and the client, a client that costs little per request matters more than the
features of locust, and it needs nothing installed. Both servers run the deployment's layout, `--workers`
processes of `--threads` threads each (2 × 4, as the Dockerfile): each client thread keeps one connection, which
the kernel hands to either process, so two clients may share one process (its threads then overlap their waits on
the database, not their Python) on both sides alike. The exit status is 0 whatever the timings (the benchmark
reports; it does not judge); it is 1 only when a step fails to run.
"""

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BENCH_ORGANIZATION = "Bench Co"  # generate_bench_data's organization (its ORG_NAME)
sys.path.insert(0, str(ROOT / "bench"))
import servers as wsgi_servers  # noqa: E402

BASE_URL = os.environ.get("BENCH_DATABASE_BASE", "postgres://postgres@127.0.0.1:5432")
USERNAME, PASSWORD = "bench_admin", "bench-password"

SCALES = {
    "full": {
        "database": "stockroom_bench_full",
        "generate": ["--products", "10000", "--variants-per-product", "2", "--warehouses", "5"],
        "movements": 1_000_000,
        "list_requests": 400,  # per endpoint and side (API, raw), at most
        "dashboard_requests": 60,
        "scale_requests": 400,  # per dashboard route and database in the scale step: a p50 of few samples wanders
        "rounds": 4,
        "batch_seconds": 6.0,  # each round's batch stops after this long, whatever its count
        "contention": ["--threads", "16", "--duration", "15", "--spread", "--pending-share", "0.25", "--rounds", "3"],
        "report": [],
    },
    "small": {
        "database": "stockroom_bench_smoke",
        "generate": ["--products", "500", "--variants-per-product", "2", "--warehouses", "5"],
        "movements": 50_000,
        "list_requests": 40,
        "dashboard_requests": 8,
        "scale_requests": 8,
        "rounds": 2,
        "batch_seconds": 3.0,
        "contention": ["--small", "--spread", "--pending-share", "0.25", "--rounds", "2"],
        "report": ["--small"],
    },
}
# Runs of each URL per server thread before a load step times it (see `_side_by_side`).
WARM_RUNS = 10
TARGETS = {"lists": 2.5, "dashboard": 1.5, "contention": 0.5, "pending_writes": 0.85, "lowstock_seconds": 5.0}
LIST_LABELS = {
    "products": "/api/products/",
    "stock_levels": "/api/stock-levels/",
    "stock_movements": "/api/stock-movements/",
    "dashboard_overview": "/api/dashboard/",
    "dashboard_sales": "/api/dashboard/sales/",
    "dashboard_trends": "/api/dashboard/trends/",
}


def main() -> int:
    args = _arguments()
    scale = SCALES["small" if args.small else "full"]
    if args.requests:
        scale["list_requests"] = args.requests
    database = args.database or scale["database"]
    url = f"{BASE_URL}/{database}"
    out = Path(args.out) / ("small" if args.small else "full")
    out.mkdir(parents=True, exist_ok=True)
    steps = [step.strip() for step in (args.steps or _default_steps(args.small)).split(",") if step.strip()]
    env = _environment(url)

    started = time.monotonic()
    results: dict = {"scale": "small" if args.small else "full", "database": database}
    print(f"Stockroom benchmark ({results['scale']} scale) on {database}; {os.cpu_count()} CPUs; {load()}", flush=True)
    results["data"] = step_data(url, database, scale, env, reuse=args.reuse)
    plan_file = out / "plan.json"
    planned = run_step(env, ["plan", str(plan_file)])
    plan = json.loads(plan_file.read_text())
    for skipped_url, why in planned["skipped"].items():
        print(f"left out of the load steps: {skipped_url}: {why}")

    failed = _run_steps(steps, Run(env, url, out, plan_file, plan, scale, args), results)
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    summary(results)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nWhole run: {results['minutes']} min; {load()}; results in {out}/results.json", flush=True)
    if failed:
        print(f"steps that could not run: {', '.join(failed)}")
    return 1 if failed else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="small scale (CI smoke run)")
    parser.add_argument("--reuse", action="store_true", help="keep the database of a previous run of this scale")
    parser.add_argument("--database", help="database name (default: stockroom_bench_full / stockroom_bench_smoke)")
    parser.add_argument("--workers", type=int, default=2, help="server processes, for the API and for the baseline")
    parser.add_argument("--server", choices=wsgi_servers.SERVERS, default=wsgi_servers.DEFAULT, help="WSGI server")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per server process (the Dockerfile's layout: 2 workers x 4)"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="the API's cache in the lists and contention steps (authentication and throttle as deployed)",
    )
    parser.add_argument("--concurrency", type=int, default=2, help="client threads during the list/dashboard steps")
    parser.add_argument("--requests", type=int, help="requests per list endpoint and side")
    parser.add_argument(
        "--steps",
        help="comma-separated steps to run after the data step (default: every step; `scale` only at full scale)",
    )
    parser.add_argument("--out", default=os.environ.get("BENCH_OUT", "/tmp/stockroom-bench"), help="output folder")
    return parser.parse_args()


def _default_steps(small: bool) -> str:
    """Every step; the scale step (a database ten times the size, minutes to build) only at full scale."""
    return "indexes,lists,dashboard,contention,lowstock,reports" + ("" if small else ",scale")


def _environment(url: str) -> dict:
    """The environment of every process the benchmark starts: the bench settings on the generated database."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_ANON_RATE": "1000000/min",
        "THROTTLE_LOGIN_RATE": "100000/min",
        "JWT_ACCESS_MINUTES": "120",
        "CONN_MAX_AGE": "600",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("REDIS_URL", None)  # cache: see bench/settings.py; Celery tasks run in-process
    return env


@dataclass
class Run:
    """What the steps after the data step share: the environment, the database, the output folder and the plan."""

    env: dict
    url: str
    out: Path
    plan_file: Path
    plan: dict
    scale: dict
    args: argparse.Namespace


def _run_steps(steps: list[str], run: Run, results: dict) -> list[str]:
    """Run the chosen steps in order, each result into `results`; the names of the steps that broke."""
    failed = []

    def attempt(name: str, function, *arguments):
        """Run one step; a step that breaks is reported and the others still run."""
        try:
            results[name] = function(*arguments)
        except Exception as error:  # noqa: BLE001 - report it, go on with the next step
            failed.append(name)
            print(f"\n!! step {name} failed: {error!r}", flush=True)
            traceback.print_exc()

    scale, args = run.scale, run.args
    if "indexes" in steps:
        attempt("indexes", step_indexes, run.env, run.out)
    if "lists" in steps or "dashboard" in steps:
        try:
            _load_steps(steps, run, attempt)
        except RuntimeError as error:  # the servers did not start or log in
            failed.append("servers")
            print(f"\n!! servers: {error}", flush=True)
    if "contention" in steps:
        attempt("contention", step_contention, run.url, scale, args)
    if "lowstock" in steps:
        attempt("lowstock", step_lowstock, run.env)
    if "reports" in steps:
        attempt("reports", step_reports, scale)
    if "scale" in steps:
        attempt("history", step_scale, run)  # "scale" already names the run's size
    return failed


def _load_steps(steps: list[str], run: Run, attempt) -> None:
    """Steps 2 and 3 against the API and the raw baseline; the lists with the cache `--redis-url` names, if any."""
    scale, args, plan = run.scale, run.args, run.plan
    with Servers(_with_redis(run.env, args), run.url, run.plan_file, args) as servers:
        attempt("identical", check_identical, servers, plan)
        if "lists" in steps:
            groups = plan["groups"]["lists"]
            attempt("lists", step_load, servers, groups, scale["list_requests"], scale, args, "lists")
    with Servers(run.env, run.url, run.plan_file, args) as servers:  # no cache: the dashboard would measure it
        if "dashboard" in steps:
            groups = plan["groups"]["dashboard"]
            attempt("dashboard", step_load, servers, groups, scale["dashboard_requests"], scale, args, "dashboard")


# --- Helpers --------------------------------------------------------------------------------------------------------


def _with_redis(env: dict, args) -> dict:
    """The API's environment with a Redis cache (`--redis-url`) under its own key prefix, or as it is."""
    if not args.redis_url:
        return env
    return {**env, "REDIS_URL": args.redis_url, "BENCH_CACHE": "on", "CACHE_KEY_PREFIX": "stockroom-bench"}


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def heading(title: str) -> None:
    print(f"\n== {title}  ({load()})", flush=True)


def table(headers: list[str], rows: list[list], align: str | None = None) -> None:
    """A Markdown table (pastes into bench/README.md as is)."""
    align = align or "l" + "r" * (len(headers) - 1)
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()


def run_step(env, arguments: list[str]) -> dict:
    """Run `bench/steps.py` with these arguments; its last stdout line is JSON."""
    done = subprocess.run(
        [PY, str(ROOT / "bench" / "steps.py"), *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise RuntimeError(f"bench/steps.py {arguments[0]} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


# --- 0. Data --------------------------------------------------------------------------------------------------------


def step_data(url: str, database: str, scale: dict, env, *, reuse: bool, integrity: bool = True) -> dict:
    """Create, migrate and fill the database (or reuse it), then check it with `check_stock_integrity` if asked."""
    import psycopg

    heading(f"0. data: {database}")
    found = existing_movements(url) if reuse else None
    # A few more than generated (a write tried by hand on the database) still reuse it; a different scale does not.
    if found is not None and scale["movements"] <= found <= scale["movements"] * 1.001:
        print(f"reusing {database} ({scale['movements']:,} movements)")
        return {"reused": True}
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    timings = {}
    started = time.monotonic()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    timings["migrate"] = time.monotonic() - started
    started = time.monotonic()
    generate = [PY, "manage.py", "generate_bench_data", *scale["generate"], "--movements", str(scale["movements"])]
    subprocess.run(generate, cwd=ROOT, env=env, check=True)
    timings["generate"] = time.monotonic() - started
    started = time.monotonic()
    checked = _integrity(env) if integrity else (None, "skipped")
    timings["integrity"] = time.monotonic() - started
    counts = table_counts(url)
    print()
    table(
        ["what", "value"],
        [
            ["products / variants", f"{counts['catalog_product']:,} / {counts['catalog_variant']:,}"],
            ["stock levels", f"{counts['stock_stocklevel']:,}"],
            ["movements", f"{counts['stock_stockmovement']:,}"],
            ["sales orders (lines)", f"{counts['sales_salesorder']:,} ({counts['sales_salesorderitem']:,})"],
            [
                "purchase orders (lines)",
                f"{counts['purchases_purchaseorder']:,} ({counts['purchases_purchaseorderitem']:,})",
            ],
            ["adjustments", f"{counts['stock_stockadjustment']:,}"],
            ["migrate", f"{timings['migrate']:.0f} s"],
            ["generate_bench_data", f"{timings['generate']:.0f} s"],
            [
                "check_stock_integrity",
                f"exit {checked[0]} in {timings['integrity']:.0f} s: {checked[1]}" if integrity else "skipped",
            ],
        ],
        "lr",
    )
    return {"reused": False, "seconds": timings, "counts": counts, "integrity_exit": checked[0]}


def _integrity(env) -> tuple[int, str]:
    """`check_stock_integrity` on the database: its exit status and the end of what it said."""
    done = subprocess.run(
        [PY, "manage.py", "check_stock_integrity"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.returncode, (done.stdout.strip() or done.stderr.strip())[-120:]


def existing_movements(url: str) -> int | None:
    """The generated organization's movements (the contention step adds organizations of its own to the database)."""
    import psycopg

    sql = (
        "SELECT count(*) FROM stock_stockmovement WHERE organization_id = "
        "(SELECT id FROM users_organization WHERE name = %s ORDER BY id LIMIT 1)"
    )
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            return connection.execute(sql, [BENCH_ORGANIZATION]).fetchone()[0]
    except psycopg.Error:
        return None


def table_counts(url: str) -> dict[str, int]:
    import psycopg

    tables = [
        "catalog_product",
        "catalog_variant",
        "stock_stocklevel",
        "stock_stockmovement",
        "stock_stockadjustment",
        "sales_salesorder",
        "sales_salesorderitem",
        "purchases_purchaseorder",
        "purchases_purchaseorderitem",
    ]
    with psycopg.connect(url) as connection:
        return {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}


# --- 1. Indexes -----------------------------------------------------------------------------------------------------


def step_indexes(env, out: Path) -> dict:
    heading("1. indexes: EXPLAIN ANALYZE of every filter and ordering of every list route")
    result = run_step(env, ["indexes", str(out / "plans.json")])
    big = result["big_tables"]
    print(
        "big tables (>= 50,000 rows): "
        + (", ".join(f"{name} {rows:,}" for name, rows in sorted(big.items())) or "none at this scale")
    )
    rows = []
    for row in result["rows"]:
        if not row["checked"]:
            continue
        rows.append(
            [
                row["route"],
                row["case"],
                "yes" if row["contract"] else "",
                row["status"],
                row["queries"],
                f"{row['db_ms']:.1f}",
                row["verdict"],
                "; ".join(row["notes"])[:150],
            ]
        )
    table(
        ["route", "filter / ordering", "contract", "status", "queries", "SQL ms", "verdict", "plan (big tables)"],
        rows,
        "lllrrrll",
    )
    flagged = [row for row in result["rows"] if row["verdict"] == "FLAG"]
    quiet = sorted({row["route"] for row in result["rows"] if not row["checked"]})
    if quiet:
        print(f"routes whose SQL touches no big table at this scale (not listed): {', '.join(quiet)}")
    contract = [row for row in result["rows"] if row["contract"]]
    flagged_contract = [row for row in flagged if row["contract"]]
    print(
        f"{len(result['rows'])} cases ({len(contract)} named by the contract), {len(flagged)} flagged "
        f"({len(flagged_contract)} of the contract's): a sequential scan of a big table that discards most of it, "
        f"an index scan reading 50,000+ rows to keep a tenth, or a sort of 5,000+ rows. Plans: {out}/plans.json"
    )
    return {
        "cases": len(result["rows"]),
        "contract_cases": len(contract),
        "flagged": [f"{row['route']} {row['case']}" for row in flagged],
        "flagged_contract": [f"{row['route']} {row['case']}" for row in flagged_contract],
    }


# --- Servers --------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """The API (config.wsgi) and the raw baseline (bench.raw_app) under the same server and settings."""

    def __init__(self, env, url: str, plan_file: Path, args):
        self.env, self.url, self.plan_file = env, url, plan_file
        self.server, self.workers, self.threads = args.server, args.workers, args.threads
        self.processes = []

    def _start(self, app: str, extra_env: dict) -> int:
        port = free_port()
        command = wsgi_servers.command(self.server, app, port, workers=self.workers, threads=self.threads)
        self.processes.append(subprocess.Popen(command, cwd=ROOT, env={**self.env, **extra_env}))
        wait_until_up(port, "/api/health/" if app.startswith("config") else "/")
        return port

    def __enter__(self):
        self.api = self._start("config.wsgi:application", {})
        self.raw = self._start(
            "bench.raw_app:application", {"BENCH_PLAN": str(self.plan_file), "BENCH_RAW_DSN": self.url}
        )
        self.token = login(self.api)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:g} s")


def login(port: int) -> str:
    return wsgi_servers.login(port, USERNAME, PASSWORD)


def fetch(port: int, url: str, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", url, headers={"Authorization": f"Bearer {token}"} if token else {})
    response = connection.getresponse()
    return response.status, response.read()


def _comparable(body):
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key not in ("next", "previous")}
    return body


def check_identical(servers: Servers, plan: dict) -> dict:
    """Every URL once from each side: the bodies must be the same (page links aside)."""
    urls = [url for group in plan["groups"].values() for urls in group.values() for url in urls]
    different, sizes = [], {}
    for url in urls:
        api_status, api_body = fetch(servers.api, url, servers.token)
        raw_status, raw_body = fetch(servers.raw, url)
        sizes[url] = (len(api_body), len(raw_body))
        if (
            api_status != 200
            or raw_status != 200
            or _comparable(json.loads(api_body)) != _comparable(json.loads(raw_body))
        ):
            different.append(url)
            (Path("/tmp") / "stockroom-bench-different.json").write_text(
                json.dumps({"url": url, "api": json.loads(api_body), "raw": json.loads(raw_body)}, indent=1)
            )
    print(
        f"\nresponses compared (API vs raw baseline, page links aside): {len(urls) - len(different)} of {len(urls)} "
        "identical" + (f"; different: {', '.join(different)}" if different else "")
    )
    return {"urls": len(urls), "different": different, "sizes": sizes}


# --- 2, 3. Load -----------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    latencies: list = field(default_factory=list)
    seconds: float = 0.0  # wall time of the batches
    errors: int = 0
    bytes: int = 0
    error_sample: list = field(default_factory=list)

    def p(self, percentile: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * percentile / 100))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def run_batch(
    port: int, token: str | None, urls: list[str], count: int, concurrency: int, sample: Sample, seconds: float = 1e9
) -> None:
    """Up to `count` GETs cycling through `urls` from `concurrency` threads, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    state = {"next": 0}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    results = [Sample() for _ in range(concurrency)]

    def worker(result: Sample) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = state["next"]
                if index >= count or time.monotonic() >= deadline:
                    break
                state["next"] += 1
            url = urls[index % len(urls)]
            started = time.perf_counter()
            try:
                connection.request("GET", url, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                result.errors += 1
                result.error_sample.append(f"{url}: {error!r}")
                continue
            result.latencies.append(time.perf_counter() - started)
            result.bytes += len(body)
            if response.status != 200:
                result.errors += 1
                result.error_sample.append(f"{url}: {response.status} {body[:120]!r}")
        connection.close()

    threads = [threading.Thread(target=worker, args=(result,), daemon=True) for result in results]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.seconds += time.perf_counter() - started
    for result in results:
        sample.latencies += result.latencies
        sample.errors += result.errors
        sample.bytes += result.bytes
        sample.error_sample += result.error_sample[:3]


def step_load(servers: Servers, groups: dict, requests: int, scale: dict, args, name: str) -> dict:
    title = {
        "lists": "2. lists: pages of 50, with filters; API vs the raw baseline (same SQL, same server)",
        "dashboard": "3. dashboard (uncached): API vs the raw baseline (same SQL, same server)",
    }[name]
    heading(title)
    rounds, seconds = scale["rounds"], scale["batch_seconds"]
    print(
        f"per endpoint and side: {rounds} alternating rounds of at most {requests // rounds} requests or "
        f"{seconds:g} s; {args.concurrency} client threads; "
        f"{args.server} {args.workers} workers × {args.threads} threads each",
        flush=True,
    )
    target = TARGETS["lists" if name == "lists" else "dashboard"]
    rows, figures = [], {}
    for shape, urls in groups.items():
        if not urls:
            continue
        api, raw = _side_by_side(servers, urls, requests, scale, args)
        p50_ratio = ratio(api.p(50), raw.p(50))
        figures[shape] = {
            "urls": len(urls),
            "api": {"rps": api.rate, "p50": api.p(50), "p99": api.p(99), "errors": api.errors},
            "raw": {"rps": raw.rate, "p50": raw.p(50), "p99": raw.p(99), "errors": raw.errors},
            "p50_ratio": p50_ratio,
            "kb": api.bytes / max(len(api.latencies), 1) / 1024,
            "errors": api.error_sample[:3] + raw.error_sample[:3],
        }
        rows.append(_load_row(shape, urls, api, raw, p50_ratio, target))
    _load_table(rows)
    for shape, figure in figures.items():
        for error in figure["errors"]:
            print(f"  {shape}: {error}")
    return figures


def _side_by_side(servers: Servers, urls: list[str], requests: int, scale: dict, args) -> tuple[Sample, Sample]:
    """The API's and the raw baseline's samples of these URLs, measured in alternating rounds after a warm-up."""
    rounds, seconds = scale["rounds"], scale["batch_seconds"]
    # Warm both sides: every worker's connection, code and plans in the database's cache. A statement is prepared
    # on its fifth run on a connection and PostgreSQL weighs a generic plan after five more (decision 0032), so the
    # warm-up sends each URL WARM_RUNS times per server thread: a short one would time the API's cold connections.
    warm = len(urls) * servers.workers * servers.threads * WARM_RUNS
    run_batch(servers.api, servers.token, urls, warm, args.concurrency, Sample(), seconds)
    run_batch(servers.raw, None, urls, warm, args.concurrency, Sample(), seconds)
    api, raw = Sample(), Sample()
    per_round = max(1, requests // rounds)
    for _ in range(rounds):
        run_batch(servers.api, servers.token, urls, per_round, args.concurrency, api, seconds)
        run_batch(servers.raw, None, urls, per_round, args.concurrency, raw, seconds)
    return api, raw


def _load_row(shape: str, urls: list[str], api: Sample, raw: Sample, p50_ratio: float, target: float) -> list:
    return [
        LIST_LABELS[shape],
        f"{len(urls)} / {len(api.latencies)} / {len(raw.latencies)}",
        f"{api.rate:.1f}",
        f"{api.p(50):.1f}",
        f"{api.p(99):.1f}",
        f"{raw.rate:.1f}",
        f"{raw.p(50):.1f}",
        f"{raw.p(99):.1f}",
        f"{p50_ratio:.2f}×",
        f"≤ {target}× {'ok' if p50_ratio <= target else 'MISSED'}",
        f"{api.bytes / max(len(api.latencies), 1) / 1024:.1f}",
        api.errors + raw.errors,
    ]


def _load_table(rows: list[list]) -> None:
    table(
        [
            "endpoint",
            "URLs / API req / raw req",
            "API req/s",
            "API p50 ms",
            "API p99 ms",
            "raw req/s",
            "raw p50 ms",
            "raw p99 ms",
            "p50 API/raw",
            "target",
            "KB/resp",
            "errors",
        ],
        rows,
        "lrrrrrrrrlrr",
    )


# --- 4. Contention --------------------------------------------------------------------------------------------------


def step_contention(url: str, scale: dict, args) -> dict:
    heading("4. contention: one hot SKU sold through the API vs raw SQL, on this database")
    # The deployment's layout, as the lists step serves it (`--small` runs one worker still).
    options = ["--server", args.server, "--workers", str(args.workers), "--worker-threads", str(args.threads)]
    options += ["--redis-url", args.redis_url] if args.redis_url else []
    done = subprocess.run(
        [PY, str(ROOT / "bench" / "ledger_contention.py"), "--keep-database", "--database-url", url]
        + options
        + scale["contention"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    text = done.stdout
    print(text.strip()[-3000:])
    if done.returncode not in (0, 1):
        print(done.stderr[-3000:])
        return {"failed": done.returncode}
    figures = {"exit": done.returncode}
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT "):
            figures.update(json.loads(line.removeprefix("BENCH_RESULT ")))
    return figures


# --- 5. Low-stock job -----------------------------------------------------------------------------------------------


def step_lowstock(env) -> dict:
    heading("5. low-stock job over every stock level")
    result = run_step(env, ["lowstock"])
    if "skipped" in result:
        print(f"skipped: {result['skipped']}")
        return result
    target = TARGETS["lowstock_seconds"]
    table(
        ["job", "levels", "low levels", "seconds", "queries", "e-mails", "target"],
        [
            [
                "send_low_stock_alerts",
                f"{result['levels']:,}",
                f"{result['low_levels']:,}",
                f"{result['seconds']:.2f}",
                result["queries"],
                result["emails"],
                f"≤ {target:g} s {'ok' if result['seconds'] <= target else 'MISSED'}",
            ]
        ],
        "lrrrrrl",
    )
    return result


# --- 6. Reports -----------------------------------------------------------------------------------------------------


def step_reports(scale: dict) -> dict:
    heading("6. reports: the monthly stock-movement report (bench/report_size.py)")
    done = subprocess.run(
        [PY, str(ROOT / "bench" / "report_size.py"), *scale["report"]], cwd=ROOT, capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("|") or "load average" in line]
    print("\n".join(lines) if lines else done.stdout[-2000:] + done.stderr[-2000:])
    return {"exit": done.returncode, "table": lines}


# --- 7. Scale -------------------------------------------------------------------------------------------------------

# The dashboard routes the scale step measures, each with the URLs it cycles through (`{warehouse}`: a warehouse of
# the database). Every one reads a range of recent days (the routes' defaults: 30 days) or the current levels.
SCALE_ROUTES = {
    "/api/dashboard/": ["/api/dashboard/"],
    "/api/dashboard/sales/": ["/api/dashboard/sales/"],
    "/api/dashboard/trends/": ["/api/dashboard/trends/", "/api/dashboard/trends/?days=90"],
    "/api/dashboard/top-products/": ["/api/dashboard/top-products/"],
    "/api/dashboard/warehouses/{id}/": ["/api/dashboard/warehouses/{warehouse}/"],
}
SCALE_TARGETS = {"p50_ms": 20.0, "ratio": 1.5}
SCALE_FACTOR = 10  # the bigger database: ten times the movements over ten times the days


def step_scale(run: Run) -> dict:
    """The dashboards (uncached) on this run's database and on one with ten times its history, side by side.

    The bigger database has ten times the movements over ten times the days (`--days`), so the same catalog at the
    same daily rate with ten years behind it instead of one: a route whose cost is independent of the history
    answers as fast on both. Built by `generate_bench_data` as step 0 builds this run's (`--reuse` keeps it).
    """
    scale, args = run.scale, run.args
    big_database = run.url.rpartition("/")[2] + f"_x{SCALE_FACTOR}"
    big_url = f"{BASE_URL}/{big_database}"
    heading(f"7. scale: the dashboards at {scale['movements']:,} and {scale['movements'] * SCALE_FACTOR:,} movements")
    big_scale = {
        "generate": [*scale["generate"], "--days", str(365 * SCALE_FACTOR)],
        "movements": scale["movements"] * SCALE_FACTOR,
    }
    big_env = _environment(big_url)
    # No integrity check here: on ten times the history it recomputes every kept figure from its source rows (in
    # the database, in little memory, but for longer than this step is meant to take: bench/README.md). Step 0
    # checks this run's database.
    data = step_data(big_url, big_database, big_scale, big_env, reuse=args.reuse, integrity=False)
    sizes = {"small": (run.url, run.env), "big": (big_url, big_env)}
    for _url, env in sizes.values():
        _compact_kept_figures(env)
    # The kept figures' bodies against the aggregates over the raw rows, on both databases.
    bodies = {
        name: run_step(env, ["kept", json.dumps([u for us in _scale_urls(url).values() for u in us])])
        for name, (url, env) in sizes.items()
    }
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(ApiServer(env, args)) for name, (_url, env) in sizes.items()}
        urls = {name: _scale_urls(url) for name, (url, _env) in sizes.items()}
        samples = _scale_measure(servers, urls, scale, args)
    heading("7. scale: p50 of every dashboard route (uncached), this run's database and ten times its history")
    figures = _scale_table(samples, scale["movements"])
    same = all(found["identical"] for side in bodies.values() for found in side.values())
    print(f"\nbodies identical to the aggregates over the raw rows: {'all' if same else 'NOT ALL'}")
    for name, side in bodies.items():
        for url, found in side.items():
            print(f"- {name}: `{url}` {'identical' if found['identical'] else 'DIFFERENT'} (raw {found['raw_ms']} ms)")
    return {"data": data, "routes": figures, "bodies": bodies, "bodies_identical": same}


def _compact_kept_figures(env: dict) -> None:
    """Fold the kept figures' tally rows as the beat task does every minute (the contention step leaves one row per
    sale of today, which a deployment would have folded long before the dashboards are read), then vacuum.
    """
    code = "from stock.tasks import compact_kept_figures_task as task; print(task())"
    subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    # The steps before this one wrote to the database (the contention step's sales, the folds): statistics and
    # visibility maps as autovacuum leaves them minutes later, so neither database is measured with stale ones.
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


class ApiServer:
    """The API alone (config.wsgi) under `--server`, logged in as the bench admin: `port` and `token`."""

    def __init__(self, env: dict, args):
        self.env, self.args = env, args

    def __enter__(self):
        self.port = free_port()
        args = self.args
        command = wsgi_servers.command(
            args.server, "config.wsgi:application", self.port, workers=args.workers, threads=args.threads
        )
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        try:
            wait_until_up(self.port, "/api/health/")
            self.token = login(self.port)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _scale_urls(url: str) -> dict[str, list[str]]:
    """Each route's URLs on this database: the warehouse dashboard of the generated organization's middle warehouse
    (the contention step adds organizations, and warehouses, of its own).
    """
    import psycopg

    sql = (
        "SELECT id FROM warehouses_warehouse WHERE organization_id = "
        "(SELECT id FROM users_organization WHERE name = %s ORDER BY id LIMIT 1) ORDER BY id"
    )
    with psycopg.connect(url) as connection:
        ids = [row[0] for row in connection.execute(sql, [BENCH_ORGANIZATION])]
    warehouse = ids[len(ids) // 2]
    return {route: [u.format(warehouse=warehouse) for u in urls] for route, urls in SCALE_ROUTES.items()}


def _scale_measure(servers: dict, urls: dict, scale: dict, args) -> dict[str, dict[str, Sample]]:
    """Each route on both databases in alternating batches (so both see the same machine), after a warm-up."""
    rounds, seconds, requests = scale["rounds"], scale["batch_seconds"], scale["scale_requests"]
    samples = {}
    for route in SCALE_ROUTES:
        for name, server in servers.items():
            run_batch(server.port, server.token, urls[name][route], 4, args.concurrency, Sample())
        samples[route] = {name: Sample() for name in servers}
        for _ in range(rounds):
            for name, server in servers.items():
                sample = samples[route][name]
                run_batch(
                    server.port, server.token, urls[name][route], requests // rounds, args.concurrency, sample, seconds
                )
    return samples


def _scale_table(samples: dict, movements: int) -> dict:
    """The side-by-side table, with the p50 target on each side and the big/small ratio's."""
    rows, figures = [], {}
    limit, most = SCALE_TARGETS["p50_ms"], SCALE_TARGETS["ratio"]
    for route, sides in samples.items():
        small, big = sides["small"], sides["big"]
        growth = ratio(big.p(50), small.p(50))
        fast = small.p(50) <= limit and big.p(50) <= limit
        figures[route] = {"small_p50": small.p(50), "big_p50": big.p(50), "ratio": growth}
        rows.append(
            [
                f"`{route}`",
                f"{len(small.latencies)} / {len(big.latencies)}",
                f"{small.p(50):.1f}",
                f"{small.p(99):.1f}",
                f"{big.p(50):.1f}",
                f"{big.p(99):.1f}",
                f"{growth:.2f}×",
                f"≤ {limit:g} ms {'ok' if fast else 'MISSED'}",
                f"≤ {most:g}× {'ok' if growth <= most else 'MISSED'}",
                small.errors + big.errors,
            ]
        )
    small_label, big_label = _millions(movements), _millions(movements * SCALE_FACTOR)
    headers = ["route", "requests", f"{small_label} p50 ms", f"{small_label} p99 ms", f"{big_label} p50 ms"]
    headers += [f"{big_label} p99 ms", f"p50 {big_label}/{small_label}", "p50 target", "ratio target", "errors"]
    table(headers, rows, "lrrrrrrllr")
    return figures


def _millions(movements: int) -> str:
    return f"{movements / 1_000_000:g}M" if movements >= 1_000_000 else f"{movements / 1000:g}k"


# --- 8. Summary -----------------------------------------------------------------------------------------------------


def summary(results: dict) -> None:
    heading("8. summary: targets, as ratios measured side by side in this run")
    rows = _ratio_rows(results)
    rows += _contention_rows(results.get("contention") or {})
    rows += _lowstock_rows(results.get("lowstock") or {})
    rows += _index_rows(results.get("indexes"))
    rows += _identical_and_report_rows(results.get("identical"), results.get("reports"))
    rows += _scale_rows((results.get("history") or {}).get("routes", {}))
    table(["figure", "measured", "target", "verdict"], rows, "lrll")


def _ratio_rows(results: dict) -> list[list]:
    rows = []
    for group in ("lists", "dashboard"):
        target = TARGETS[group]
        for shape, figure in results.get(group, {}).items():
            value = figure["p50_ratio"]
            rows.append(
                [
                    f"{LIST_LABELS[shape]} p50 / raw p50",
                    f"{value:.2f}×",
                    f"≤ {target}×",
                    "ok" if value <= target else f"MISSED by {value / target - 1:.0%}",
                ]
            )
    return rows


def _contention_rows(contention: dict) -> list[list[str]]:
    """The contention step's rows: API / raw on the hot SKU; the cost of selling a share through pending orders."""
    rows = []
    if "ops_ratio" in contention:
        ok = contention["ops_ratio"] >= TARGETS["contention"] and not contention["oversold"] and not contention["5xx"]
        spread = contention.get("spread_ops")
        rows.append(
            [
                "contention ops/s API / raw (oversold, 5xx)",
                f"{contention['ops_ratio']:.0%} ({contention['oversold']}, {contention['5xx']})",
                "≥ 50% (0, 0)",
                ("ok" if ok else f"MISSED by {1 - contention['ops_ratio'] / TARGETS['contention']:.0%}")
                + (
                    f"; the API alone, one SKU per thread: {spread:.0f} ops/s vs {contention['http_ops']:.0f} on "
                    "the hot SKU"
                    if spread
                    else ""
                ),
            ]
        )
    if contention.get("pending_writes"):
        ratio = contention.get("pending_ratio_median") or contention["pending_writes"] / contention["http_writes"]
        rows.append(
            [
                "contention writes/s with pending orders / without (median of rounds)",
                f"{ratio:.0%} ({contention['pending_ops']:.0f} vs {contention['http_ops']:.0f} units sold/s)",
                f"≥ {TARGETS['pending_writes']:.0%}",
                "ok"
                if ratio >= TARGETS["pending_writes"]
                else f"MISSED by {1 - ratio / TARGETS['pending_writes']:.0%}",
            ]
        )
    return rows


def _lowstock_rows(lowstock: dict) -> list[list]:
    if "seconds" in lowstock:
        ok = lowstock["seconds"] <= TARGETS["lowstock_seconds"]
        return [
            [
                "low-stock job (queries)",
                f"{lowstock['seconds']:.2f} s ({lowstock['queries']} queries)",
                "≤ 5 s, queries independent of levels",
                "ok" if ok else "MISSED",
            ]
        ]
    if "skipped" in lowstock:
        return [["low-stock job", "skipped", "≤ 5 s", lowstock["skipped"]]]
    return []


def _index_rows(indexes: dict | None) -> list[list]:
    if not indexes:
        return []
    return [
        [
            "contract filters/orderings flagged by EXPLAIN",
            f"{len(indexes['flagged_contract'])} of {indexes['contract_cases']}",
            "0",
            "ok" if not indexes["flagged_contract"] else ", ".join(indexes["flagged_contract"]),
        ],
        [
            "other filters/orderings the views offer, flagged",
            f"{len(indexes['flagged']) - len(indexes['flagged_contract'])} of "
            f"{indexes['cases'] - indexes['contract_cases']}",
            "",
            "see step 1",
        ],
    ]


def _identical_and_report_rows(identical: dict | None, reports: dict | None) -> list[list]:
    rows = []
    if identical:
        rows.append(
            [
                "raw baseline answers the same bodies",
                f"{identical['urls'] - len(identical['different'])} of {identical['urls']}",
                "all",
                "ok" if not identical["different"] else "DIFFERENT",
            ]
        )
    if reports:
        rows.append(["reports (PDF ≤ 20 s, CSV ≤ 3 s)", "see step 6", "", "ok" if reports["exit"] == 0 else "MISSED"])
    return rows


def _scale_rows(routes: dict) -> list[list]:
    limit, most = SCALE_TARGETS["p50_ms"], SCALE_TARGETS["ratio"]
    rows = []
    for route, figure in routes.items():
        fast = max(figure["small_p50"], figure["big_p50"]) <= limit
        flat = figure["ratio"] <= most
        rows.append(
            [
                f"`{route}` p50, this scale / {SCALE_FACTOR}× the history",
                f"{figure['small_p50']:.1f} / {figure['big_p50']:.1f} ms ({figure['ratio']:.2f}×)",
                f"≤ {limit:g} ms, ≤ {most:g}×",
                "ok" if fast and flat else "MISSED: " + ", ".join(["time"] * (not fast) + ["ratio"] * (not flat)),
            ]
        )
    return rows


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds through Servers.__exit__, which stops the servers


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    sys.exit(main())
