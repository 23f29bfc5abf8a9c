import logging

from celery import shared_task

from stock.selectors import stock_integrity_report

logger = logging.getLogger("stockroom.stock.integrity")


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
