"""Run the low-stock job by hand: the same as the daily Celery beat task, in this process."""

from django.core.management.base import BaseCommand, CommandError

from stock.alerts import low_stock_job_run


class Command(BaseCommand):
    help = (
        "Open and close low-stock alerts, then e-mail each manager (their warehouses) and each admin (the whole "
        "organization) today's digest of open alerts. A digest already sent today (UTC) is not sent again. "
        "Exits 1 when an e-mail could not be sent (run it again to send just those)."
    )

    def handle(self, *args, **options):
        result = low_stock_job_run()
        self.stdout.write(
            f"Low-stock alerts on {result.day.isoformat()}: {result.opened} opened, {result.closed} closed, "
            f"{result.open_alerts} open."
        )
        skipped = f"{result.already_sent} already sent today"
        if result.in_flight:
            skipped += f", {result.in_flight} claimed by an unfinished run"
        self.stdout.write(f"E-mails: {result.sent} sent, {skipped}.")
        for email, error in result.failures:
            self.stderr.write(f"Not sent to {email}: {error!r}")
        if result.failures:
            raise CommandError(f"{len(result.failures)} e-mail(s) could not be sent.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Done."))
