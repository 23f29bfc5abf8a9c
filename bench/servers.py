"""The WSGI servers the benchmarks can run the API (and the raw baseline) under, by name.

`gunicorn-sync` (one request at a time per process), `gunicorn-gthread` (threads per process), `granian` (Granian's
WSGI interface: a Rust HTTP server whose blocking threads call the application). Every benchmark that starts a
server takes `--server NAME` and gets its command line here, so a comparison changes nothing else.
"""

import http.client
import json
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SERVERS = ("granian", "gunicorn-sync", "gunicorn-gthread")
DEFAULT = "granian"


def command(server: str, app: str, port: int, *, workers: int, threads: int = 1) -> list[str]:
    """The command line serving the WSGI `app` ("module:callable") on 127.0.0.1:`port`."""
    if server == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--no-ws",
            "--log-level",
            "warning",
        ]
    worker_class = {"gunicorn-sync": "sync", "gunicorn-gthread": "gthread"}[server]
    gunicorn = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    gunicorn += ["--worker-class", worker_class, "--threads", str(threads), "--keep-alive", "30"]
    return gunicorn + ["--log-level", "warning", "--timeout", "120"]


def process_cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a server: its process and every descendant (the workers), from /proc."""
    total, pending = 0.0, [root_pid]
    ticks = 100.0
    try:
        import os

        ticks = float(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError, AttributeError):
        pass
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = Path(f"/proc/{pid}/task/{task.name}/children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


def hello(environ, start_response):
    """A WSGI application that does nothing: under load, what a server costs by itself per request."""
    body = b'{"status":"ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def login(port: int, username: str, password: str) -> str:
    """An access token from the API's login route on 127.0.0.1:`port`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": username, "password": password})
    connection.request("POST", "/api/auth/login/", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status} {data}")
    return data["access"]


def wait_until_up(port: int, path: str = "/api/health/", timeout: float = 60.0) -> None:
    """Wait until GET `path` on 127.0.0.1:`port` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout:g} s")
