"""Client threads: keyed adjustments and sales on one hot SKU, every attempt recorded, failures retried by key."""

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

TIMEOUT = 15


@dataclass
class Attempt:
    key: str
    kind: str  # "adjustment" | "sale"
    started: float
    status: int | None  # None: no HTTP answer (connection reset by a killed worker, timeout)
    object_id: int | None = None
    replayed: bool = False
    retry: bool = False


@dataclass
class Workload:
    base_url: str
    token: str
    variant: int
    warehouse: int
    threads: int = 8
    attempts: list[Attempt] = field(default_factory=list)
    payloads: dict[str, tuple[str, dict]] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counter = itertools.count()
        self._workers = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.threads)]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join()

    def _payload(self, kind: str) -> tuple[str, dict]:
        if kind == "sale":
            items = [{"variant": self.variant, "quantity": 1}]
            return "/api/sales-orders/", {"warehouse": self.warehouse, "status": "fulfilled", "items": items}
        body = {"variant": self.variant, "warehouse": self.warehouse, "quantity": 2, "reason": "adjustment"}
        return "/api/stock-adjustments/", body

    def _loop(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            number = next(self._counter)
            kind = "sale" if number % 2 else "adjustment"
            key = f"{kind}-{number}-{uuid.uuid4().hex[:8]}"
            with self._lock:
                self.payloads[key] = (kind, self._payload(kind)[1])
            self._record(self.send(session, key))

    def send(self, session: requests.Session, key: str, *, retry: bool = False) -> Attempt:
        kind, body = self.payloads[key]
        path = self._payload(kind)[0]
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        started = time.monotonic()
        try:
            response = session.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=TIMEOUT)
        except requests.RequestException:
            session.close()
            return Attempt(key, kind, started, None, retry=retry)
        object_id = response.json().get("id") if response.ok else None
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return Attempt(key, kind, started, response.status_code, object_id, replayed, retry)

    def _record(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def keys_without_success(self) -> list[str]:
        succeeded = {a.key for a in self.attempts if a.status is not None and 200 <= a.status < 300}
        return [key for key in self.payloads if key not in succeeded]

    def retry_failed(self, rounds: int = 20, pause: float = 0.5) -> set[str]:
        """Send every key that never got a 2xx again, with its key, until each does; returns the keys retried."""
        session, retried = requests.Session(), set()
        for _ in range(rounds):
            pending = self.keys_without_success()
            if not pending:
                break
            for key in pending:
                retried.add(key)
                self._record(self.send(session, key, retry=True))
            time.sleep(pause)
        return retried
