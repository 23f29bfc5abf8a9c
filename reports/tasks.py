from celery import shared_task

from reports.jobs import report_job_run, report_jobs_expire, report_jobs_sweep

# A year of a busy organization is a million rows; the PDF of that takes minutes on a loaded worker.
REPORT_SOFT_TIME_LIMIT = 30 * 60


@shared_task(
    acks_late=True,  # a worker that dies mid-run leaves the message to another worker
    reject_on_worker_lost=True,
    soft_time_limit=REPORT_SOFT_TIME_LIMIT,
    time_limit=REPORT_SOFT_TIME_LIMIT + 60,
)
def run_report_job(job_id: int) -> str:
    """Build one report job's file (see `reports.jobs`); safe to receive twice."""
    return report_job_run(job_id=job_id)


@shared_task
def sweep_report_jobs() -> dict:
    """Every few minutes (beat): run again the jobs whose worker died, and re-send the ones never picked up."""
    return report_jobs_sweep()


@shared_task
def expire_report_jobs() -> int:
    """Hourly (beat): delete the files of jobs finished over 7 days ago; those jobs show `expired`."""
    return report_jobs_expire()
