import logging
import smtplib

from celery import shared_task

from stock.alerts import low_stock_job_run
from stock.kept import compact_kept_figures
from stock.selectors import stock_integrity_report

logger = logging.getLogger("stockroom.stock.integrity")
COMPACT_ROUNDS = 50


@shared_task
def check_stock_integrity() -> dict:
    """Nightly: recompute every level from the ledger and log each difference (read-only, safe to run twice)."""
    report = stock_integrity_report()
    for problem in report.problems:
        logger.error("Stock integrity: %s", problem)
    if report.problems:
        logger.error("Stock integrity: %d difference(s) found.", len(report.problems))
    else:
        logger.info(
            "Stock integrity: %d levels and %d movements consistent.", report.levels_checked, report.movements_checked
        )
    return {
        "levels_checked": report.levels_checked,
        "movements_checked": report.movements_checked,
        "differences": [str(problem) for problem in report.problems],
    }


@shared_task(name="stock.tasks.compact_kept_figures")  # the name CELERY_BEAT_SCHEDULE["kept-figures-compact"] sends
def compact_kept_figures_task() -> dict:
    """Every minute (beat): fold the tally rows of the kept dashboard figures, so that a day of a warehouse reads as
    few rows whatever was sold that day (decision 0023). Exact at every moment with or without it; safe to run twice
    at once (each folds rows the other has not locked).
    """
    folded = 0
    for _ in range(COMPACT_ROUNDS):  # each round folds a bounded number of keys in one short transaction
        more = compact_kept_figures()
        folded += more
        if not more:
            break
    return {"folded": folded}


@shared_task(
    name="stock.tasks.send_low_stock_alerts",  # the name CELERY_BEAT_SCHEDULE["low-stock-digest"] sends
    autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
    retry_backoff=True,  # 1 s, 2 s, 4 s, ... with jitter
    retry_backoff_max=600,
    max_retries=10,
)
def send_low_stock_alerts() -> dict:
    """Daily (beat): refresh the low-stock alerts and e-mail each manager and admin their digest of the day.

    Safe to run twice and to retry: a digest already sent today is not sent again (see `stock.alerts`). When some
    e-mails fail, the others are still sent and the first error is raised, so Celery retries with backoff; the
    retry sends only what is still missing.
    """
    result = low_stock_job_run()
    if result.failures:
        _, error = result.failures[0]
        raise error
    return result.as_dict()
