"""Export every product variant of an organization as CSV (as `GET /api/products/export/`), with a progress bar."""

import csv
import os
import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from catalog.management.commands._organization import organization_from_option
from catalog.models import Variant
from catalog.selectors import EXPORT_COLUMNS, product_export_rows
from core.csv_cells import csv_cell


class Command(BaseCommand):
    help = "Write every product variant of an organization to a CSV file (or standard output)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="Organization id or exact name.")
        parser.add_argument("--output", "-o", help="The file to write; standard output when omitted.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, organization, output=None, no_progress=False, **options):
        organization = organization_from_option(organization)
        total = Variant.objects.filter(organization=organization).count()
        file = open(output, "w", newline="", encoding="utf-8") if output else self.stdout
        try:
            writer = csv.DictWriter(file, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            rows = product_export_rows(organization=organization)
            for row in tqdm(rows, total=total, unit="rows", disable=no_progress or not output, file=sys.stderr):
                writer.writerow({column: csv_cell(value) for column, value in row.items()})
            file.flush()
        except BrokenPipeError:
            # The reader stopped early (`export_products ... | head`): that is not an error. Standard output is
            # pointed at /dev/null so that Python's own flush at exit does not complain about the pipe again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        finally:
            if output:
                file.close()
        if output:
            self.stderr.write(self.style.SUCCESS(f"Wrote {total} variants to {output}."))
