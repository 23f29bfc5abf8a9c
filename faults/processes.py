"""The processes the fault suite starts, breaks and stops: its own database, Redis and gunicorn."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("FAULTS_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def _admin_connection():
    return psycopg.connect(PG_ADMIN, autocommit=True)


def database_recreate(name: str) -> None:
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_backends_terminate(name: str) -> int:
    """Terminate every backend connected to the database; returns how many."""
    with _admin_connection() as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


def manage(environment: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


class Redis:
    """A Redis server of the suite's own, on a spare port, that it may stop and start."""

    def __init__(self, port: int):
        self.port = port

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "yes"],
            check=True,
            capture_output=True,
        )
        self._wait(up=True)

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        self._wait(up=False)

    def _wait(self, *, up: bool) -> None:
        for _ in range(100):
            answered = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ("PONG" in answered.stdout) == up:
                return
            time.sleep(0.05)
        raise RuntimeError(f"Redis on {self.port} did not {'start' if up else 'stop'}")


class Gunicorn:
    """`config.wsgi:application` under gunicorn (gthread), whose workers the suite may kill."""

    def __init__(self, port: int, environment: dict, workers: int = 2, threads: int = 4):
        self.url = f"http://127.0.0.1:{port}"
        self.worker_count = workers
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--worker-class=gthread",
            "--timeout=30",
            "--log-level=warning",
        ]
        self.log = open(ROOT / ".faults-gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=self.log, stderr=self.log)
        self._wait_ready()

    def _wait_ready(self) -> None:
        for _ in range(300):
            try:
                if requests.get(f"{self.url}/api/health/", timeout=1).status_code in (200, 503):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see .faults-gunicorn.log")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_a_worker(self) -> int:
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
