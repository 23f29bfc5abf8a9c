"""The API under each WSGI server of `bench/servers.py`, on the same routes and database, in alternating rounds.

    .venv/bin/python bench/server_compare.py --database-url postgres://postgres@127.0.0.1:5432/stockroom_probe_this

The database is a `seed_demo` one (`bench/cpu_probe.py` leaves one per tree). Each layout (server, workers ×
threads) is started in turn, `--rounds` times over, and each route is loaded by `--clients` client threads (stdlib
`http.client`, one keep-alive connection each, JWT of `demo_admin`) for `--seconds`. Printed per layout and route:
requests/s, p50 and p99 latency, and the **server's CPU per request** — user + system time of the server process and
its workers (`/proc`) over the requests answered — the figure a shared, loaded machine blurs least. The best round
of each counts. Throttles are set out of reach; the cache is the configured one (`REDIS_URL`).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = {
    "gunicorn-sync 2×1": ("gunicorn-sync", 2, 1),
    "gunicorn-gthread 2×4": ("gunicorn-gthread", 2, 4),
    "granian 2×1": ("granian", 2, 1),
    "granian 2×4": ("granian", 2, 4),
}
ROUTES = {
    "hello": ("GET", "/"),  # bench.servers:hello, not the API: the server's own cost
    "categories": ("GET", "/api/categories/"),
    "products": ("GET", "/api/products/?page_size=50"),
    "movements": ("GET", "/api/stock-movements/?page_size=50"),
    "adjustment": ("POST", "/api/stock-adjustments/"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="comma-separated names of LAYOUTS")
    parser.add_argument("--routes", default=",".join(ROUTES))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "STOCKROOM_ALLOW_DEV_KEY": "true",
        "THROTTLE_USER_RATE": "100000000/min",
        "THROTTLE_ANON_RATE": "100000000/min",
        "JWT_ACCESS_MINUTES": "120",
        "LOG_LEVEL": "WARNING",
    }
    layouts, routes = args.layouts.split(","), args.routes.split(",")
    best: dict[tuple[str, str], dict] = {}
    for _ in range(args.rounds):
        for layout in layouts:
            for route, figures in _measure_layout(layout, routes, env, args).items():
                key = (layout, route)
                if key not in best or figures["cpu_ms"] < best[key]["cpu_ms"]:
                    best[key] = figures
    print("| layout | route | req/s | p50 ms | p99 ms | server CPU ms / request |")
    print("|---|---|---:|---:|---:|---:|")
    for route in routes:
        for layout in layouts:
            f = best[(layout, route)]
            print(f"| {layout} | {route} | {f['rps']:.0f} | {f['p50']:.1f} | {f['p99']:.1f} | {f['cpu_ms']:.2f} |")
    return 0


def _measure_layout(layout: str, routes: list[str], env: dict, args) -> dict:
    server, workers, threads = LAYOUTS[layout]
    port = _free_port()
    command = servers.command(server, "config.wsgi:application", port, workers=workers, threads=threads)
    if routes == ["hello"]:
        command[command.index("config.wsgi:application")] = "bench.servers:hello"
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        servers.wait_until_up(port, "/" if routes == ["hello"] else "/api/health/")
        token = _login(port) if routes != ["hello"] else ""
        body = _adjustment_body(port, token) if "adjustment" in routes else None
        results = {}
        for route in routes:
            method, path = ROUTES[route]
            _load(port, token, method, path, body, clients=args.clients, seconds=1.0)  # warm every worker
            cpu_before = servers.process_cpu_seconds(process.pid)
            latencies, elapsed = _load(port, token, method, path, body, clients=args.clients, seconds=args.seconds)
            cpu = servers.process_cpu_seconds(process.pid) - cpu_before
            latencies.sort()
            results[route] = {
                "rps": len(latencies) / elapsed,
                "p50": statistics.median(latencies) * 1000,
                "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
                "cpu_ms": cpu / len(latencies) * 1000,
            }
        return results
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _adjustment_body(port: int, token: str):
    """A level of the demo data with stock: adjustments of +1 and -1 in turn keep it."""
    status, data = _request(port, token, "GET", "/api/stock-levels/?page_size=1&ordering=-quantity")
    level = data["results"][0]
    return {"variant": level["variant"], "warehouse": level["warehouse"], "reason": "adjustment"}


def _load(port, token, method, path, body, *, clients: int, seconds: float):
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def client(index: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        sign = 1 if index % 2 else -1
        while time.monotonic() < deadline:
            payload = None
            if body is not None and method == "POST":
                sign = -sign
                payload = json.dumps({**body, "quantity": sign})
            started = time.perf_counter()
            status, _ = _request(port, token, method, path, payload, connection=connection)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors.append(f"{method} {path}: {status}")

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return latencies, time.monotonic() - started


def _request(port, token, method, path, payload=None, *, connection=None):
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    if payload is not None and not isinstance(payload, str):
        payload = json.dumps(payload)
    connection.request(method, path, payload, headers)
    response = connection.getresponse()
    content = response.read()
    return response.status, (json.loads(content) if content and response.status < 300 else None)


def _login(port: int) -> str:
    return servers.login(port, "demo_admin", "stockroom-demo")


def _free_port() -> int:
    """A free port: the first of `BENCH_PORTS` ("8400-8449") that binds, else any the system gives."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else []
    for port in [*candidates, 0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port")


if __name__ == "__main__":
    sys.exit(main())
