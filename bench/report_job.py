"""A report job over a year of the benchmark's data on a real Celery worker: seconds, the worker's peak memory, and
`progress` as it rises.

    .venv/bin/python bench/report_job.py --database-url postgres://postgres@127.0.0.1:5432/stockroom_bench_full
    .venv/bin/python bench/report_job.py --format pdf ...

It needs a database made by `manage.py generate_bench_data` (the `bench_admin` user; `make bench` leaves one) and
Redis (`REDIS_URL`, default redis://127.0.0.1:6379/0). It starts one worker process (`celery -A config worker
--pool=solo`, so the task runs in that process) on a queue of its own, creates the job through the service the API
calls, polls the job row every 0.2 s while the worker runs it, and reads the worker's memory from
`/proc/<pid>/status`: `VmRSS` when idle before the job, and `VmHWM` (the process's peak resident set) after it.
The range is the whole history of the generated movements (12 months), at most 366 days.

Exit status 1 when the job does not finish, the peak is over 300 MB, or progress was not seen rising.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_TARGET_MB = 300


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _worker(env: dict, queue: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-l", "WARNING"]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def _setup(database_url: str, redis_url: str, reports_root: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REPORTS_ROOT": reports_root,
        "STOCKROOM_ALLOW_DEV_KEY": "true",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def _range():
    from django.db.models import Max, Min

    from stock.models import StockMovement
    from users.models import User

    admin = User.objects.get(username="bench_admin")
    span = StockMovement.objects.filter(organization_id=admin.organization_id).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    start, end = span["first"].date(), span["last"].date()
    if (end - start).days > 366:
        start = end.replace(year=end.year - 1)
    return admin, start, end


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), required=False)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--format", choices=("csv", "pdf"), default="csv")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BENCH_DATABASE_URL) is required")
    return args


def _poll(job, began: float, timeout: float) -> list[tuple[float, int]]:
    """The job's progress as it changes, `(seconds since began, progress)`, until it is done or failed."""
    from reports.models import ReportJob, ReportJobStatus

    seen, status = [], ReportJobStatus.QUEUED
    while time.monotonic() - began < timeout:
        row = ReportJob.objects.values("status", "progress").get(pk=job.pk)
        status = row["status"]
        if not seen or seen[-1][1] != row["progress"]:
            seen.append((round(time.monotonic() - began, 1), row["progress"]))
        if status in (ReportJobStatus.DONE, ReportJobStatus.FAILED):
            break
        time.sleep(0.2)
    return seen


def _run_on_worker(env: dict, args, admin, start, end) -> dict:
    """Start a worker on a queue of its own, run the job on it, and stop the worker (and drop its queue)."""
    from config.celery import app
    from reports.jobs import report_job_create

    queue = f"bench-report-job-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    worker = _worker(env, queue)
    try:
        time.sleep(8)  # the worker's start (Django, Celery, the broker connection); idle memory is read after it
        idle_kb = _status_kb(worker.pid, "VmRSS")
        began = time.monotonic()
        job = report_job_create(user=admin, report="stock_movements", format=args.format, start=start, end=end)
        seen = _poll(job, began, args.timeout)
        seconds = time.monotonic() - began
        peak_kb = _status_kb(worker.pid, "VmHWM")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    job.refresh_from_db()
    return {"job": job, "seen": seen, "seconds": seconds, "idle_kb": idle_kb, "peak_kb": peak_kb}


def _report(args, start, end, run: dict) -> bool:
    """Print the figures (JSON, then a Markdown table row); True when the job met its targets."""
    from reports.models import ReportJobStatus

    job, seen, seconds, idle_kb, peak_kb = run["job"], run["seen"], run["seconds"], run["idle_kb"], run["peak_kb"]
    size = Path(job.file).stat().st_size if job.file else 0
    rising = [progress for _, progress in seen]
    result = {
        "format": args.format,
        "from": str(start),
        "to": str(end),
        "status": job.status,
        "rows": job.rows,
        "seconds": round(seconds, 1),
        "worker_idle_mb": round(idle_kb / 1024, 1),
        "worker_peak_mb": round(peak_kb / 1024, 1),
        "file_mb": round(size / 1e6, 1),
        "progress_seen": seen,
        "error": job.error or None,
    }
    print(json.dumps(result))
    print(
        f"| {args.format} | {start} – {end} | {job.rows or 0:,} | {seconds:.1f} | {idle_kb / 1024:.0f} | "
        f"{peak_kb / 1024:.0f} | {size / 1e6:.1f} | {len(set(rising))} values, {rising[:3]} … {rising[-2:]} |"
    )
    return (
        job.status == ReportJobStatus.DONE
        and peak_kb / 1024 <= PEAK_TARGET_MB
        and len(set(rising)) > 2
        and rising == sorted(rising)
    )


def main() -> int:
    args = _arguments()
    reports_root = tempfile.mkdtemp(prefix="stockroom-report-job-")
    env = _setup(args.database_url, args.redis_url, reports_root)
    admin, start, end = _range()
    run = _run_on_worker(env, args, admin, start, end)
    ok = _report(args, start, end, run)
    for path in Path(reports_root).rglob("*"):
        if path.is_file():
            path.unlink()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
