"""CPU per request, in-process, for the routes every client uses; one tree or several side by side.

    .venv/bin/python bench/cpu_probe.py                                  # this tree only
    .venv/bin/python bench/cpu_probe.py --tree old=/path/to/checkout     # this tree and an older checkout of it
    git worktree add --detach /tmp/stockroom-old 02d6d28 && ... --tree old=/tmp/stockroom-old

Each tree gets its own PostgreSQL database (`<prefix>_<label>`), migrated and seeded with `seed_demo` by that tree's
own code, then a child process per tree and pass loads Django with that tree's production settings
(`config.settings.base`: the configured cache and throttles, `DEBUG` off) and calls its WSGI application
(`config.wsgi.application`) directly, as a server would, with a JWT of `demo_admin`:

- `GET /api/categories/` (one page), `GET /api/products/?page_size=50`, `GET /api/stock-movements/?page_size=50`;
- `POST /api/stock-adjustments/` (+1 and -1 in turn, so the stock stays put);
- `POST /api/sales-orders/` with one line of one unit, created fulfilled (the variant is topped up beforehand).

A route's figure is the best, over `--rounds` rounds of `--requests` requests in each of `--passes` passes, of the
process's CPU time (`time.process_time()`) per request. The trees' children take turns round by round (each round
of one route in every tree before the next round), so a machine whose speed drifts from one minute to the next
drifts for every tree alike. The server's own HTTP handling and PostgreSQL's CPU are not in it, and a loaded
machine stretches wall time much more than it stretches this. The statements and the Redis round trips of one
request are counted beside it. Redis comes from `REDIS_URL` (as the API would use it); without it, the settings'
local-memory cache.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ["categories", "products", "movements", "adjustment", "sale"]
LABELS = {
    "categories": "`GET /api/categories/` (one page)",
    "products": "`GET /api/products/?page_size=50`",
    "movements": "`GET /api/stock-movements/?page_size=50`",
    "adjustment": "`POST /api/stock-adjustments/`",
    "sale": "`POST /api/sales-orders/` (one line, fulfilled)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], help="LABEL=PATH of another checkout (repeatable)")
    parser.add_argument("--label", default="this", help="label of this tree")
    parser.add_argument(
        "--database-base", default=os.environ.get("BENCH_DATABASE_BASE", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--prefix", default="stockroom_probe", help="database name prefix (one database per tree)")
    parser.add_argument("--reuse", action="store_true", help="keep the databases seeded by a previous run")
    parser.add_argument("--drop", action="store_true", help="drop the databases afterwards")
    parser.add_argument("--passes", type=int, default=2, help="child processes per tree, one after the other")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)

    trees = [(args.label, ROOT)] + [_tree(spec) for spec in args.tree]
    databases = {label: f"{args.database_base}/{args.prefix}_{label}" for label, _ in trees}
    if not args.reuse:
        for label, path in trees:
            _seed(path, databases[label])
    results: dict[str, dict] = {label: {} for label, _ in trees}
    for _ in range(args.passes):
        children = {label: _Child(path, databases[label]) for label, path in trees}
        try:
            for route in ROUTES:
                _measure_alternating(children, route, results, args)
        finally:
            for child in children.values():
                child.close()
    _print_table(trees, results)
    if args.drop:
        for label, _ in trees:
            _drop(databases[label])
    return 0


def _tree(spec: str) -> tuple[str, Path]:
    label, _, path = spec.partition("=")
    if not path or not (Path(path) / "manage.py").is_file():
        raise SystemExit(f"--tree {spec!r}: expected LABEL=PATH of a checkout with manage.py")
    return label, Path(path).resolve()


def _admin_url(database_url: str) -> tuple[str, str]:
    base, _, name = database_url.rpartition("/")
    return f"{base}/postgres", name


def _drop(database_url: str) -> None:
    import psycopg

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(path: Path, database_url: str) -> None:
    import psycopg

    _drop(database_url)
    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env = _env(database_url)
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        manage = [sys.executable, "manage.py", *command]
        subprocess.run(manage, cwd=path, env=env, check=True, stdout=subprocess.DEVNULL)


def _env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="false",
        STOCKROOM_ALLOW_DEV_KEY="true",
        THROTTLE_USER_RATE="100000000/min",
        THROTTLE_ANON_RATE="100000000/min",
        JWT_ACCESS_MINUTES="120",
        LOG_LEVEL="WARNING",
    )
    return env


class _Child:
    """One tree's child process, loaded once per pass, measuring a round of one route when asked."""

    def __init__(self, path: Path, database_url: str):
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
        self.process = subprocess.Popen(
            command, cwd=path, env=_env(database_url), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, *words) -> dict:
        self.process.stdin.write(" ".join(map(str, words)) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the probe's child in {self.process.args[-1]} stopped (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def _measure_alternating(children: dict, route: str, results: dict, args) -> None:
    """The trees take turns round by round, so a machine that speeds up or slows down does so for all of them."""
    for label, child in children.items():
        figures = child.ask("count", route)
        results[label].setdefault(route, {**figures, "cpu_ms": float("inf")})
    labels = list(children)
    for round_number in range(args.rounds):
        turn = labels[round_number % len(labels) :] + labels[: round_number % len(labels)]
        for label in turn:
            spent = children[label].ask("round", route, args.requests)["cpu_ms"]
            results[label][route]["cpu_ms"] = min(results[label][route]["cpu_ms"], spent)


def _print_table(trees, results) -> None:
    labels = [label for label, _ in trees]
    header = "| route | " + " | ".join(f"{label} CPU ms | {label} SQL | {label} Redis" for label in labels)
    if len(labels) > 1:
        header += " | " + " | ".join(f"{label}/{labels[-1]}" for label in labels[:-1])
    print(header + " |")
    print("|---" * (1 + 3 * len(labels) + max(len(labels) - 1, 0)) + "|")
    for route in ROUTES:
        cells = []
        for label in labels:
            figures = results[label][route]
            cells += [f"{figures['cpu_ms']:.2f}", str(figures["statements"]), str(figures["redis"])]
        if len(labels) > 1:
            base = results[labels[-1]][route]["cpu_ms"]
            cells += [f"{results[label][route]['cpu_ms'] / base:.2f}" for label in labels[:-1]]
        print(f"| {LABELS[route]} | " + " | ".join(cells) + " |")


# --- the child: one tree, in-process -----------------------------------------------------------------------------


def _child(args) -> int:
    """Answers the parent's lines on stdout, one JSON object each: `count ROUTE` (its statements and Redis round
    trips, after warming it up) and `round ROUTE N` (CPU ms per request over N requests).
    """
    sys.path.insert(0, args.child)
    import django

    django.setup()
    probe = _Probe()
    answer = sys.stdout
    sys.stdout = sys.stderr  # anything the application prints stays off the answers
    for line in sys.stdin:
        command, route, *rest = line.split()
        if command == "count":
            figures = probe.count(route)
        else:
            figures = {"cpu_ms": probe.round(route, requests=int(rest[0]))}
        answer.write(json.dumps(figures) + "\n")
        answer.flush()
    return 0


class _RedisCounter:
    """Counts what is sent to Redis: a pipeline is one round trip, as is every single command."""

    def __init__(self):
        self.count = 0
        try:
            from redis.connection import AbstractConnection
        except ImportError:  # no redis client: nothing to count
            return
        original = AbstractConnection.send_packed_command

        def counted(connection, *a, **kw):
            self.count += 1
            return original(connection, *a, **kw)

        AbstractConnection.send_packed_command = counted


class _Probe:
    def __init__(self):
        from rest_framework_simplejwt.tokens import AccessToken

        from catalog.models import Variant
        from config.wsgi import application  # the servers' (each tree's own)
        from stock.models import StockLevel
        from users.models import User

        self.app = application
        self.redis = _RedisCounter()
        admin = User.objects.get(username="demo_admin")
        self.token = f"Bearer {AccessToken.for_user(admin)}"
        level = (
            StockLevel.objects.filter(organization_id=admin.organization_id, variant__product__is_active=True)
            .order_by("-quantity", "id")
            .first()
        )
        self.level = level
        self.variant = Variant.objects.get(pk=level.variant_id)
        self.sign = 1
        self._call("POST", "/api/stock-adjustments/", self._adjustment_body(100000))

    def _adjustment_body(self, quantity):
        body = {"variant": self.level.variant_id, "warehouse": self.level.warehouse_id, "quantity": quantity}
        return {**body, "reason": "adjustment", "note": "cpu probe"}

    def _request(self, route):
        if route == "categories":
            return "GET", "/api/categories/", None
        if route == "products":
            return "GET", "/api/products/", "page_size=50"
        if route == "movements":
            return "GET", "/api/stock-movements/", "page_size=50"
        if route == "adjustment":
            self.sign = -self.sign
            return "POST", "/api/stock-adjustments/", self._adjustment_body(self.sign)
        items = [{"variant": self.level.variant_id, "quantity": 1}]
        return "POST", "/api/sales-orders/", {"warehouse": self.level.warehouse_id, "items": items}

    def _call(self, method, path, body_or_query):
        from io import BytesIO

        query, body = "", b""
        if method == "GET":
            query = body_or_query or ""
        else:
            body = json.dumps(body_or_query).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": self.token,
            "HTTP_ACCEPT": "application/json",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        response = self.app(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            content = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
        if not status[0].startswith("20"):
            raise SystemExit(f"{method} {path}: {status[0]} {content[:300]!r}")
        return content

    def count(self, route) -> dict:
        """The statements and Redis round trips of one request, after five to warm the route up."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(5):
            self._call(*self._request(route))
        redis_before = self.redis.count
        with CaptureQueriesContext(connection) as queries:
            self._call(*self._request(route))
        return {"statements": len(queries.captured_queries), "redis": self.redis.count - redis_before}

    def round(self, route, *, requests) -> float:
        """CPU ms per request over `requests` requests."""
        calls = [self._request(route) for _ in range(requests)]
        started = time.process_time()
        for call in calls:
            self._call(*call)
        return (time.process_time() - started) / requests * 1000


if __name__ == "__main__":
    sys.exit(main())
