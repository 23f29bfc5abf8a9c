"""Recompute every stock level from the ledger; report and exit non-zero on any difference."""

from django.core.management.base import BaseCommand, CommandError

from stock.selectors import stock_integrity_report


class Command(BaseCommand):
    help = (
        "Recompute every stock level from its movements (Σ IN − Σ OUT), each product's total from its levels and "
        "each level's effective reorder level and reserved units (the sum of its reservations, within 0..quantity), "
        "and check each movement's balance_after, and every kept figure (units per warehouse, day and reason; the "
        "sales per day) against the ledger and the orders. Exits 1 and names every level, product or figure that "
        "differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, help="Only this organization (id).")

    def handle(self, *args, organization=None, **options):
        report = stock_integrity_report(organization_id=organization)
        for problem in report.problems:
            self.stderr.write(str(problem))
        summary = f"Checked {report.levels_checked} stock levels and {report.movements_checked} movements"
        if report.problems:
            raise CommandError(f"{summary}: {len(report.problems)} difference(s) found.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}: the ledger is consistent."))
