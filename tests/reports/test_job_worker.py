"""Report jobs on a real Celery worker over the real Redis broker, including a worker killed in the middle of a run.

The jobs go through Redis to a worker with its own database connection — hence PostgreSQL and `transaction=True`
(it must see committed rows). Each test uses a queue of its own, so no other worker on the same Redis takes its
tasks. Skipped without REDIS_URL.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connection, connections
from django.urls import reverse

from config.celery import app as celery_app
from reports import jobs
from reports.jobs import report_jobs_sweep
from reports.models import ReportJob, ReportJobStatus
from tests.celery_worker import own_queue
from tests.reports.conftest import at, download, make_variant, many_movements

REDIS_URL = os.environ.get("REDIS_URL", "")
WAIT_SECONDS = 60
LIST = reverse("reports:report-job-list")
SYNC = reverse("reports:report-stock-movements")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis broker for a real Celery worker (set REDIS_URL)"),
]


@pytest.fixture
def queue(settings, tmp_path):
    """A queue of this test's own: tasks are sent there (not eagerly); settings and the app are restored after."""
    settings.REPORTS_ROOT = tmp_path / "reports"
    with own_queue() as name:
        yield name


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def job_state(job_id: int) -> ReportJob:
    return ReportJob.objects.get(pk=job_id)


@pytest.fixture
def history(org, warehouse, admin):
    variants = [make_variant(org, f"SKU-{n:02d}", f"Product {n:02d}") for n in range(10)]
    many_movements(variants, warehouse, 1200, at("2025-03-02 00:00"), by=admin)


BODY = {"report": "stock_movements", "format": "csv", "from": "2025-03-01", "to": "2025-03-31"}


def test_a_worker_builds_the_file_with_progress_rising_and_it_matches_the_synchronous_report(
    queue, monkeypatch, admin_client, history
):
    monkeypatch.setattr(jobs, "PROGRESS_MIN_ROWS", 100)
    seen = []
    save = jobs.report_job_progress_save

    def spy(**kwargs):
        save(**kwargs)
        seen.append(kwargs["progress"])

    monkeypatch.setattr(jobs, "report_job_progress_save", spy)
    finished = []

    def on_postrun(**kwargs):
        connections.close_all()  # the worker thread's own connection, or the test database could not be dropped
        finished.append(kwargs["task_id"])

    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=20):
            response = admin_client.post(LIST, BODY, format="json")
            assert response.status_code == 202
            job_id = response.json()["id"]
            wait_for(lambda: job_state(job_id).status == ReportJobStatus.DONE, "the job to be done")
    finally:
        task_postrun.disconnect(on_postrun)

    assert finished, "the worker ran no task"
    assert seen == sorted(seen) and len(seen) == 12 and seen[0] < seen[-1] <= 99
    job = admin_client.get(reverse("reports:report-job-detail", args=[job_id])).json()
    assert (job["status"], job["progress"], job["rows"]) == ("done", 100, 1200)
    content = download(admin_client.get(reverse("reports:report-job-download", args=[job_id])))
    same = admin_client.get(SYNC, {"period": "monthly", "date": "2025-03-01", "format": "csv"})
    assert content == download(same)


def _worker_process(queue: str, reports_root: Path) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "REDIS_URL": REDIS_URL,
        "REPORTS_ROOT": str(reports_root),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-l", "WARNING"]
    return subprocess.Popen(command, env=env, cwd=django_settings.BASE_DIR)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _blocked_on_a_lock(database: str) -> bool:
    with psycopg.connect(dbname=database, host="127.0.0.1", user="postgres", autocommit=True) as probe:
        waiting = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database]
        ).fetchone()[0]
    return waiting > 0


def test_a_job_whose_worker_was_killed_mid_run_is_run_again_by_another_worker_and_completes(
    queue, settings, admin_client, history
):
    database = connection.settings_dict["NAME"]
    reports_root = Path(settings.REPORTS_ROOT)
    first = second = None
    # Given: the movements table locked, so that the worker's run stops in its middle (claimed, reading rows).
    blocker = psycopg.connect(dbname=database, host="127.0.0.1", user="postgres")
    try:
        blocker.execute("LOCK TABLE stock_stockmovement IN ACCESS EXCLUSIVE MODE")
        first = _worker_process(queue, reports_root)
        job_id = admin_client.post(LIST, BODY, format="json").json()["id"]
        wait_for(lambda: job_state(job_id).status == ReportJobStatus.RUNNING, "the worker to claim the job")
        wait_for(lambda: _blocked_on_a_lock(database), "the run to wait for the rows")

        # When: the worker is killed outright (no chance to clean up), then the table is released.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
        blocker.rollback()

        # Then: the job is left running by the dead worker...
        stuck = job_state(job_id)
        assert (stuck.status, stuck.attempt, stuck.progress) == (ReportJobStatus.RUNNING, 1, 0)

        # ...until the sweeper (beat, every few minutes) finds its heartbeat stale and queues it again.
        settings.REPORT_JOB_STALE_SECONDS = 0
        assert report_jobs_sweep() == {"requeued": [job_id], "resent": []}
        assert job_state(job_id).status == ReportJobStatus.QUEUED

        second = _worker_process(queue, reports_root)
        wait_for(lambda: job_state(job_id).status == ReportJobStatus.DONE, "a second worker to finish the job")
    finally:
        blocker.close()
        for process in (first, second):
            if process is not None:
                _stop(process)

    done = job_state(job_id)
    assert (done.attempt, done.rows, done.progress) == (2, 1200, 100)
    assert [path.name for path in reports_root.rglob("*") if path.is_file()] == [f"{job_id}-2.csv"]
    content = download(admin_client.get(reverse("reports:report-job-download", args=[job_id])))
    same = admin_client.get(SYNC, {"period": "monthly", "date": "2025-03-01", "format": "csv"})
    assert content == download(same)
