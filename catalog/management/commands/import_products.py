"""Import products from a CSV file, the same way as `POST /api/products/import/`, with a progress bar."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.imports import product_import_csv
from catalog.management.commands._organization import organization_from_option
from core.exceptions import InvalidInput, flatten_errors

MAX_PRINTED_ERRORS = 50


def _count_rows(path: str) -> int:
    with open(path, "rb") as file:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b"")) - 1)


class Command(BaseCommand):
    help = (
        "Create or update products by SKU from a CSV file (columns: name, category, sku, barcode, price, cost, "
        "reorder_level, supplier, and optionally attributes, description, expiration_date, is_active: a file "
        "written by export_products imports as it is). All or nothing: any bad row is reported and nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8, header row).")
        parser.add_argument("--organization", required=True, help="Organization id or exact name.")
        parser.add_argument("--user", help="Username recorded as the creator of new products.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, path, organization, user=None, no_progress=False, **options):
        organization = organization_from_option(organization)
        by = None
        if user:
            by = organization.users.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user!r} in {organization}.")
        try:
            total = _count_rows(path)
            with (
                open(path, "rb") as file,
                tqdm(total=total, unit="rows", desc="Checking", disable=no_progress, file=sys.stderr) as bar,
            ):
                result = product_import_csv(organization=organization, file=file, by=by, progress=bar.update)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except InvalidInput as exc:
            errors = flatten_errors(exc.detail)
            for field, messages in list(errors.items())[:MAX_PRINTED_ERRORS]:
                self.stderr.write(f"{field}: {' '.join(messages)}")
            if len(errors) > MAX_PRINTED_ERRORS:
                self.stderr.write(f"... and {len(errors) - MAX_PRINTED_ERRORS} more.")
            raise CommandError("Nothing was imported: fix the rows above and run the import again.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows into {organization}: {result.created} variants created "
                f"({result.products_created} products), {result.updated} updated; "
                f"{result.categories_created} categories and {result.suppliers_created} suppliers created."
            )
        )
