"""Report jobs: create one, run it on a worker, sweep the runs whose worker died, expire old files.

A run streams the movement rows from the database (a server-side cursor, a few thousand rows at a time) into the
same renderers as the synchronous report, writing a file under `REPORTS_ROOT`; `progress` and a heartbeat are
written as the rows go. Each run first claims the job by raising its `attempt`; every later write of that run is
conditional on the attempt still being its own, so a run that was given up on cannot overwrite a newer one.

A worker can die mid-run (killed, out of memory, the machine restarted). Celery's late acknowledgement brings the
message back to another worker; and `report_jobs_sweep` (every few minutes, from beat) re-queues a `running` job
whose heartbeat is older than `REPORT_JOB_STALE_SECONDS`, up to `MAX_ATTEMPTS` runs, then marks it failed. A job is
never left `running` forever.
"""

import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.db import replica_reads
from core.exceptions import Conflict, NotPermitted
from reports import selectors
from reports.csv_export import stock_movement_csv_chunks
from reports.models import KEEP_FOR, ReportJob, ReportJobFormat, ReportJobStatus
from reports.pdf import render_stock_movement_pdf

logger = logging.getLogger("stockroom.reports.jobs")

MAX_ATTEMPTS = 3
# A user's jobs not yet finished: beyond this many, a new one is refused (409) rather than queued behind them.
MAX_UNSETTLED_PER_USER = 5
# Progress and the heartbeat are written at most this often (in rows), and at least every 1% of the rows.
PROGRESS_MIN_ROWS = 500
UNSETTLED = (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING)


def report_job_create(*, user, report: str, format: str, start: dt.date, end: dt.date, warehouse=None) -> ReportJob:
    """Record a job and queue it once committed. Raises NotPermitted (403) for a manager's foreign warehouse
    and Conflict (409) when the user already has `MAX_UNSETTLED_PER_USER` jobs waiting or running.
    """
    selectors.report_scope_for(
        user=user, period=selectors.report_period_between(start=start, end=end), warehouse=warehouse
    )
    with transaction.atomic():
        # The user's row serializes their concurrent requests, so the bound holds under concurrency too.
        type(user).objects.select_for_update().filter(pk=user.pk).exists()
        unsettled = ReportJob.objects.filter(created_by=user, status__in=UNSETTLED).count()
        if unsettled >= MAX_UNSETTLED_PER_USER:
            raise Conflict(f"You already have {unsettled} report jobs waiting or running; wait for one to finish.")
        job = ReportJob.objects.create(
            organization_id=user.organization_id,
            created_by=user,
            report=report,
            format=format,
            start=start,
            end=end,
            warehouse=warehouse,
        )
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    from reports.tasks import run_report_job  # the task module imports this one

    run_report_job.delay(job_id)


# --- Running ----------------------------------------------------------------------------------------------------


class Superseded(Exception):
    """The run's attempt is no longer the job's: a newer run took it over (or it was settled meanwhile)."""


def report_job_run(*, job_id: int) -> str:
    """Run the job if it is waiting, or running with a stale heartbeat (its worker died); return what happened."""
    attempt = _claim(job_id)
    if attempt is None:
        return "skipped"
    job = ReportJob.objects.select_related("created_by__organization", "warehouse").get(pk=job_id)
    if attempt > MAX_ATTEMPTS:
        _fail(job, attempt, f"The report was interrupted {MAX_ATTEMPTS} times; please ask for it again.")
        return "failed"
    path = _file_path(job, attempt)
    try:
        rows = _build(job, attempt, path)
    except Superseded:
        path.unlink(missing_ok=True)
        return "superseded"
    except NotPermitted:
        _fail(job, attempt, "You no longer have access to the warehouse this report is about.")
        return "failed"
    except SoftTimeLimitExceeded:
        _fail(job, attempt, "The report took longer than the time a report may take; ask for a shorter range.")
        return "failed"
    except Exception:
        logger.exception("Report job %s failed", job_id)
        _fail(job, attempt, "The report could not be built because of an unexpected error; it has been logged.")
        return "failed"
    finished = _settle(job, attempt, status=ReportJobStatus.DONE, progress=100, rows=rows, file=str(path))
    if not finished:
        path.unlink(missing_ok=True)
        return "superseded"
    return "done"


def _claim(job_id: int) -> int | None:
    stale = timezone.now() - dt.timedelta(seconds=settings.REPORT_JOB_STALE_SECONDS)
    with transaction.atomic():
        job = (
            ReportJob.objects.select_for_update()
            .filter(Q(status=ReportJobStatus.QUEUED) | Q(status=ReportJobStatus.RUNNING, heartbeat_at__lt=stale))
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            return None
        job.attempt += 1
        job.status, job.progress, job.heartbeat_at = ReportJobStatus.RUNNING, 0, timezone.now()
        job.save(update_fields=["attempt", "status", "progress", "heartbeat_at"])
    return job.attempt


def _build(job: ReportJob, attempt: int, path: Path) -> int:
    """Write the file at `path` (through a temporary name); return the number of movement rows in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    with replica_reads():
        scope = selectors.report_scope_for(
            user=job.created_by,
            period=selectors.report_period_between(start=job.start, end=job.end),
            warehouse=job.warehouse,
        )
        total = selectors.stock_movement_report_queryset(scope=scope).count()
        counter = _ProgressCounter(job, attempt, total)
        rows = counter.wrap(selectors.stock_movement_report_rows(scope=scope))
        try:
            with open(partial, "wb") as out:
                if job.format == ReportJobFormat.CSV:
                    for chunk in stock_movement_csv_chunks(scope=scope, rows=rows):
                        out.write(chunk)
                else:
                    render_stock_movement_pdf(scope=scope, out=out, rows=rows)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, path)
    return counter.done


class _ProgressCounter:
    """Counts the rows as the renderer takes them, writing `progress` (0-99) and the heartbeat every step."""

    def __init__(self, job: ReportJob, attempt: int, total: int):
        self.job, self.attempt, self.total = job, attempt, total
        self.step = max(PROGRESS_MIN_ROWS, total // 100)
        self.done = 0

    def wrap(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            yield row
            self.done += 1
            if self.done % self.step == 0:
                progress = min(99, self.done * 100 // max(self.total, 1))
                report_job_progress_save(job_id=self.job.pk, attempt=self.attempt, progress=progress)


def report_job_progress_save(*, job_id: int, attempt: int, progress: int) -> None:
    """Write a run's progress and heartbeat. Raises Superseded when the job is no longer this run's."""
    updated = ReportJob.objects.filter(pk=job_id, attempt=attempt, status=ReportJobStatus.RUNNING).update(
        progress=progress, heartbeat_at=timezone.now()
    )
    if not updated:
        raise Superseded(job_id)


def _settle(job: ReportJob, attempt: int, **fields) -> bool:
    fields.setdefault("finished_at", timezone.now())
    return bool(ReportJob.objects.filter(pk=job.pk, attempt=attempt, status=ReportJobStatus.RUNNING).update(**fields))


def _fail(job: ReportJob, attempt: int, error: str) -> None:
    _settle(job, attempt, status=ReportJobStatus.FAILED, error=error)


def _file_path(job: ReportJob, attempt: int) -> Path:
    return Path(settings.REPORTS_ROOT) / str(job.organization_id) / f"{job.pk}-{attempt}.{job.format}"


# --- Housekeeping (beat) ----------------------------------------------------------------------------------------


def report_jobs_sweep() -> dict:
    """Re-queue each running job whose worker stopped sending heartbeats (`report_job_run` fails it after
    `MAX_ATTEMPTS` runs), and re-send each job queued for as long (its message may have been lost).

    The heartbeat then marks when the job was re-sent, so a job is re-sent once per stale period, not every sweep.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.REPORT_JOB_STALE_SECONDS)
    running = ReportJob.objects.filter(status=ReportJobStatus.RUNNING, heartbeat_at__lt=stale)
    queued = ReportJob.objects.filter(status=ReportJobStatus.QUEUED, created_at__lt=stale).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)
    )
    requeued, resent = [], []
    for job_id in running.values_list("pk", flat=True):
        if running.filter(pk=job_id).update(status=ReportJobStatus.QUEUED, heartbeat_at=now):
            requeued.append(job_id)
    for job_id in queued.values_list("pk", flat=True):
        if queued.filter(pk=job_id).update(heartbeat_at=now):
            resent.append(job_id)
    for job_id in requeued + resent:
        _enqueue(job_id)
    return {"requeued": requeued, "resent": resent}


def report_jobs_expire() -> int:
    """Delete the files of jobs finished more than 7 days ago and mark those jobs `expired`."""
    cutoff = timezone.now() - KEEP_FOR
    expired = 0
    for job in ReportJob.objects.filter(status=ReportJobStatus.DONE, finished_at__lt=cutoff).only("pk", "file"):
        if job.file:
            Path(job.file).unlink(missing_ok=True)
        expired += ReportJob.objects.filter(pk=job.pk, status=ReportJobStatus.DONE).update(
            status=ReportJobStatus.EXPIRED, file=""
        )
    return expired
