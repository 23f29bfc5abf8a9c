"""The fault suite (`python -m faults.run`; `.ci/run` runs it).

On a database and a Redis of its own, gunicorn (2 workers × 4 threads) serves the API while client threads send
keyed adjustments and fulfilled sales of one hot SKU, each with its own `Idempotency-Key`, through three faults:
(a) a worker killed with SIGKILL, twice; (b) every database backend terminated, twice; (c) Redis stopped, then
started again. Every request that got no 2xx is then sent again with its key until it does.

It asserts that `check_stock_integrity` exits 0; that every 2xx is in the database exactly once (each key's rows are
exactly the ids its 2xx answers named, one per key, none else); that every retried key was applied once; that no key
is left in progress; and that during (c) at least 95% of requests answered 2xx while health reported the broker
unavailable. It prints its counts, and exits non-zero on any failed assertion.
"""

import argparse
import os
import sys
import threading
import time
from collections import Counter

import psycopg
import requests

from faults.load import Workload
from faults.processes import Gunicorn, Redis, database_backends_terminate, database_drop, database_recreate, manage

DATABASE = "stockroom_faults"
OPENING = 1_000_000


def _environment(redis_port: int) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER")}
    environment.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        STOCKROOM_ALLOW_DEV_KEY="true",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        THROTTLE_USER_RATE="1000000/min",
        THROTTLE_ANON_RATE="1000000/min",
        JWT_ACCESS_MINUTES="60",
        LOG_LEVEL="ERROR",
    )
    return environment


def _set_up(base_url: str) -> tuple[str, int, int]:
    """A new organization through the API: its admin's token, a warehouse, one SKU with plenty of stock."""
    http = requests.Session()
    register = {
        "username": "faults_admin",
        "email": "faults@example.com",
        "password": "fault-Suite-2026-x",
        "organization_name": "Faults",
    }
    token = http.post(f"{base_url}/api/auth/register/", json=register, timeout=30).json()["access"]
    http.headers["Authorization"] = f"Bearer {token}"
    warehouse = http.post(f"{base_url}/api/warehouses/", json={"name": "Hot", "code": "HOT"}, timeout=30).json()["id"]
    product = http.post(f"{base_url}/api/products/", json={"name": "Hot", "sku": "HOT-1", "price": "1.00"}, timeout=30)
    variant = product.json()["variants"][0]["id"]
    opening = {"variant": variant, "warehouse": warehouse, "quantity": OPENING, "reason": "opening"}
    assert http.post(f"{base_url}/api/stock-adjustments/", json=opening, timeout=30).status_code == 201
    return token, variant, warehouse


def _poll_health(base_url: str, stop: threading.Event, seen: Counter) -> None:
    while not stop.is_set():
        try:
            response = requests.get(f"{base_url}/api/health/", timeout=5)
            seen[(response.status_code, response.json().get("broker"))] += 1
        except requests.RequestException:
            seen[("no answer", None)] += 1
        time.sleep(0.25)


def _settle(server: Gunicorn, seconds: float = 2) -> None:
    """Wait until gunicorn has all its workers back and answers, then let the load flow for a while."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (
                len(server.workers()) == server.worker_count
                and requests.get(server.url + "/api/health/", timeout=5).ok
            ):
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    time.sleep(seconds)


def _faults(server: Gunicorn, redis: Redis, base_url: str) -> tuple[dict, Counter]:
    """Run the three faults in turn; returns each phase's (start, end) and what health said during (c)."""
    phases, health_seen = {}, Counter()
    _settle(server, 3)
    start = time.monotonic()
    for _ in range(2):
        server.kill_a_worker()
        _settle(server)
    phases["a: worker SIGKILL x2"] = (start, time.monotonic())
    start = time.monotonic()
    for _ in range(2):
        database_backends_terminate(DATABASE)
        _settle(server)
    phases["b: backends terminated x2"] = (start, time.monotonic())
    stop_polling = threading.Event()
    poller = threading.Thread(target=_poll_health, args=(base_url, stop_polling, health_seen))
    redis.stop()
    start = time.monotonic()
    poller.start()
    time.sleep(8)
    phases["c: Redis stopped"] = (start, time.monotonic())
    stop_polling.set()
    poller.join()
    redis.start()
    _settle(server)
    return phases, health_seen


def _database_facts() -> dict:
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{DATABASE}") as connection:

        def ids(sql):
            return [row[0] for row in connection.execute(sql).fetchall()]

        return {
            "adjustments": ids("SELECT id FROM stock_stockadjustment WHERE reason <> 'opening'"),
            "sales": ids("SELECT id FROM sales_salesorder"),
            "records": dict(connection.execute("SELECT state, count(*) FROM core_idempotencyrecord GROUP BY state")),
            "record_keys": ids("SELECT key FROM core_idempotencyrecord"),
            "quantity": connection.execute("SELECT sum(quantity) FROM stock_stocklevel").fetchone()[0],
        }


def _check(workload: Workload, retried: set[str], facts: dict, phases: dict, health_seen: Counter) -> list[str]:
    """Every assertion of the suite; returns the ones that failed, in words."""
    failures = []
    answered: dict[str, set[int]] = {}
    for attempt in workload.attempts:
        if attempt.status is not None and 200 <= attempt.status < 300:
            answered.setdefault(attempt.key, set()).add(attempt.object_id)
    if missing := workload.keys_without_success():
        failures.append(f"{len(missing)} keys never answered 2xx, even retried")
    if twice := [key for key, ids in answered.items() if len(ids) != 1]:
        failures.append(f"{len(twice)} keys answered 2xx with different objects (applied twice)")
    for kind, rows in (("adjustment", facts["adjustments"]), ("sale", facts["sales"])):
        named = sorted(next(iter(ids)) for key, ids in answered.items() if workload.payloads[key][0] == kind)
        if sorted(rows) != named:
            failures.append(f"{kind}s: {len(rows)} rows in the database, {len(named)} named by 2xx answers")
    if facts["records"].get("in_progress", 0):
        failures.append(f"{facts['records']['in_progress']} keys left in progress")
    if sorted(facts["record_keys"]) != sorted(answered):
        failures.append("the stored keys are not exactly the keys answered 2xx")
    sold = len(facts["sales"])
    expected = OPENING + 2 * len(facts["adjustments"]) - sold
    if facts["quantity"] != expected:
        failures.append(f"stock is {facts['quantity']}, the answers make it {expected}")
    start, end = phases["c: Redis stopped"]
    during = [a for a in workload.attempts if start <= a.started <= end and not a.retry]
    ok_share = sum(1 for a in during if a.status is not None and 200 <= a.status < 300) / max(len(during), 1)
    if ok_share < 0.95:
        failures.append(f"only {ok_share:.1%} of requests answered 2xx while Redis was down")
    if not any(broker == "unavailable" and status == 200 for status, broker in health_seen):
        failures.append(f"health never reported the broker unavailable (saw {dict(health_seen)})")
    return failures


def _report(workload: Workload, retried: set[str], phases: dict, health_seen: Counter) -> None:
    first_tries = [a for a in workload.attempts if not a.retry]
    print(f"{'phase':<28} {'requests':>9} {'2xx':>7} {'other':>7} {'no answer':>10}")
    for name, (start, end) in phases.items():
        inside = [a for a in first_tries if start <= a.started <= end]
        ok = sum(1 for a in inside if a.status and 200 <= a.status < 300)
        lost = sum(1 for a in inside if a.status is None)
        print(f"{name:<28} {len(inside):>9} {ok:>7} {len(inside) - ok - lost:>7} {lost:>10}")
    ok = sum(1 for a in first_tries if a.status and 200 <= a.status < 300)
    print(f"{'whole run':<28} {len(first_tries):>9} {ok:>7} {len(first_tries) - ok:>18}")
    statuses = Counter(a.status for a in first_tries if not (a.status and 200 <= a.status < 300))
    print(f"failed first tries by status: {dict(statuses)}")
    retries = [a for a in workload.attempts if a.retry]
    replayed = sum(1 for a in retries if a.replayed)
    print(f"keys retried: {len(retried)}; retries sent: {len(retries)}, replays of a committed answer: {replayed}")
    print(f"health during (c), (status, broker): {dict(health_seen)}")
    if not retried:
        print("note: no request failed, so no key was retried (the faults found nothing in flight)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAULTS_PORT", 8190)))
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("FAULTS_REDIS_PORT", 6399)))
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    environment = _environment(options.redis_port)
    database_recreate(DATABASE)
    redis, server = Redis(options.redis_port), None
    try:
        redis.start()
        migrated = manage(environment, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        server = Gunicorn(options.port, environment)
        token, variant, warehouse = _set_up(server.url)
        workload = Workload(server.url, token, variant, warehouse, threads=options.threads)
        workload.start()
        phases, health_seen = _faults(server, redis, server.url)
        workload.stop()
        retried = workload.retry_failed()
        _report(workload, retried, phases, health_seen)
        failures = _check(workload, retried, _database_facts(), phases, health_seen)
        integrity = manage(environment, "check_stock_integrity")
        print(f"check_stock_integrity: exit {integrity.returncode}")
        if integrity.returncode != 0:
            failures.append(f"check_stock_integrity exited {integrity.returncode}: {integrity.stdout[-500:]}")
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        database_drop(DATABASE)
    for failure in failures:
        print(f"FAILED: {failure}")
    print("fault suite: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
