"""The CSV import of products: create or update variants by SKU, every row checked before anything is written."""

import codecs
import csv
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from catalog.import_cells import Cells
from catalog.models import Category, Product, Variant
from catalog.selectors import EXPORT_COLUMNS
from catalog.services import products_follow_prices
from catalog.stock_figures import stock_figures
from core.exceptions import InvalidInput
from core.iterables import chunks
from suppliers.models import Supplier


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    products_created: int
    categories_created: int
    suppliers_created: int


# --- CSV import ---------------------------------------------------------------------------------------------------

# The export's columns but its ids and quantity: an exported file imports back whole.
IMPORT_COLUMNS = tuple(column for column in EXPORT_COLUMNS if column not in ("product_id", "variant_id", "quantity"))
REQUIRED_COLUMNS = ("name", "sku", "price")
MAX_REPORTED_ROWS = 500
_BATCH = 500


@dataclass
class _Row:
    number: int  # the spreadsheet row: the header is row 1
    values: dict


def _read_csv(file, progress, max_rows: int | None) -> tuple[list[_Row], dict[int, dict]]:
    """Parse and validate every row; raise one `InvalidInput` naming every bad row (`rows.<n>.<field>`)."""
    lines = codecs.iterdecode(iter(file), "utf-8-sig")
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput({"file": ["The file is empty; expected a header row."]})
        columns = [column.strip().lower() for column in header]
        missing = [column for column in REQUIRED_COLUMNS if column not in columns]
        if missing:
            raise InvalidInput(
                {"file": [f"Missing columns: {', '.join(missing)}. Expected: {', '.join(IMPORT_COLUMNS)}."]}
            )
        cells = Cells()
        rows: list[_Row] = []
        errors: dict[int, dict] = {}
        for number, record in enumerate(reader, start=2):
            if max_rows is not None and number - 1 > max_rows:
                raise InvalidInput(
                    {"file": [f"The file has more than {max_rows} rows (CSV_IMPORT_MAX_ROWS); split it."]}
                )
            if progress:
                progress(1)
            if not any(cell.strip() for cell in record):
                continue
            raw = dict(zip(columns, record, strict=False))
            values, row_errors = cells.parse(raw)
            if "sku" not in values and "sku" not in row_errors:
                row_errors["sku"] = ["This field is required."]
            if row_errors:
                errors[number] = row_errors
            else:
                rows.append(_Row(number, values))
    except UnicodeDecodeError:
        raise InvalidInput({"file": ["The file is not UTF-8 text."]}) from None
    except csv.Error as exc:
        raise InvalidInput({"file": [f"The file is not valid CSV: {exc}."]}) from None
    _check_rows_against_each_other(rows, errors)
    return rows, errors


def _check_rows_against_each_other(rows: list[_Row], errors: dict[int, dict]) -> None:
    first_row_of_sku: dict[str, int] = {}
    for row in rows:
        sku = row.values["sku"]
        if sku in first_row_of_sku:
            errors.setdefault(row.number, {})["sku"] = [f"SKU {sku} is already on row {first_row_of_sku[sku]}."]
        else:
            first_row_of_sku[sku] = row.number


_EXISTING = ("id", "sku", "product_id", "barcode", "attributes", "price", "cost", "reorder_level")
_EXISTING_PRODUCT = (
    "product__name",
    "product__category_id",
    "product__supplier_id",
    "product__description",
    "product__expiration_date",
    "product__is_active",
)
_PRODUCT_FIELDS = ("name", "description", "expiration_date", "is_active")
_VARIANT_FIELDS = ("barcode", "attributes", "price", "cost", "reorder_level")
_PRODUCT_UPDATE_KEYS = ("name", "category_id", "supplier_id", "description", "expiration_date", "is_active")


def _existing_variants(organization, skus: list[str]) -> dict[str, dict]:
    """The variants of these SKUs as plain rows (model instances cost seconds at 10,000 rows)."""
    found: dict[str, dict] = {}
    for chunk in chunks(skus, _BATCH):
        queryset = Variant.objects.filter(organization=organization, sku__in=chunk)
        for row in queryset.values(*_EXISTING, *_EXISTING_PRODUCT):
            found[row["sku"]] = row
    return found


def _barcode_owners(organization, barcodes: list[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for chunk in chunks(barcodes, _BATCH):
        owners.update(
            Variant.objects.filter(organization=organization, barcode__in=chunk).values_list("barcode", "sku")
        )
    return owners


def _check_against_database(organization, rows: list[_Row], existing: dict[str, dict], errors) -> None:
    """New SKUs need a name and a price; a barcode may end up on one variant only."""
    for row in rows:
        if row.values["sku"] not in existing:
            for column in ("name", "price"):
                if column not in row.values:
                    errors.setdefault(row.number, {})[column] = ["This field is required for a new SKU."]

    new_barcode = {row.values["sku"]: row.values["barcode"] for row in rows if "barcode" in row.values}
    owners = _barcode_owners(organization, sorted(set(new_barcode.values())))
    row_of_barcode: dict[str, int] = {}
    for row in rows:
        barcode = row.values.get("barcode")
        if barcode is None:
            continue
        owner = owners.get(barcode)
        # The current owner keeps the barcode unless this file gives it another one.
        owner_keeps_it = owner is not None and new_barcode.get(owner, barcode) == barcode
        if barcode in row_of_barcode:
            message = f"Barcode {barcode} is already on row {row_of_barcode[barcode]}."
        elif owner_keeps_it and owner != row.values["sku"]:
            message = f"Barcode {barcode} already belongs to SKU {owner}."
        else:
            row_of_barcode[barcode] = row.number
            continue
        errors.setdefault(row.number, {}).setdefault("barcode", []).append(message)


def _raise_row_errors(errors: dict[int, dict]) -> None:
    numbers = sorted(errors)
    reported = {number: errors[number] for number in numbers[:MAX_REPORTED_ROWS]}
    body: dict = {"rows": reported}
    if len(numbers) > MAX_REPORTED_ROWS:
        body["file"] = [f"{len(numbers)} rows have errors; the first {MAX_REPORTED_ROWS} are listed."]
    raise InvalidInput(body)


def _by_name(model, organization, names: set[str]) -> tuple[dict[str, Model], int]:
    """Map lower-cased names to objects of the organization, creating the missing ones."""
    found = {obj.name.lower(): obj for obj in model.objects.filter(organization=organization)}
    missing: dict[str, str] = {}
    for name in names:
        if name.lower() not in found:
            missing.setdefault(name.lower(), name)
    if missing:
        model.objects.bulk_create([model(organization=organization, name=name) for name in missing.values()])
        found = {obj.name.lower(): obj for obj in model.objects.filter(organization=organization)}
    return found, len(missing)


def product_import_csv(*, organization, file, by, progress=None, max_rows: int | None = None) -> ImportResult:
    """Create or update variants by SKU from a CSV file, all or nothing.

    Columns (header row, any order): name, category, sku, barcode, price, cost, reorder_level, supplier, and the
    export's attributes (a JSON object of strings), description, expiration_date (YYYY-MM-DD) and is_active
    (true/false); others (the export's ids and quantity) are ignored, so an exported file imports back whole. A known
    SKU updates its variant (barcode, attributes, price, cost, reorder level) and its product (name, category,
    supplier, description, expiration date, active); a blank cell leaves that value unchanged. An unknown SKU
    creates a variant, and new SKUs sharing a name in the file become variants of one new product. Categories and
    suppliers are matched by name (ignoring case) and created when missing.

    Every row is checked before anything is written: one bad row raises a ValidationError naming each bad row and
    field (`{"rows": {7: {"price": [...]}}}`, rows counted as in a spreadsheet, header = row 1) and changes nothing.
    A file of more than `max_rows` rows (the API passes `CSV_IMPORT_MAX_ROWS`) is refused before anything is checked.
    """
    rows, errors = _read_csv(file, progress, max_rows)
    existing = _existing_variants(organization, [row.values["sku"] for row in rows])
    _check_against_database(organization, rows, existing, errors)
    if errors:
        _raise_row_errors(errors)
    try:
        with transaction.atomic():
            return _write_rows(organization, rows, existing, by)
    except IntegrityError:
        # Only a concurrent change of the same SKUs or barcodes gets here: everything was checked above.
        raise InvalidInput(
            {"file": ["Another change to the same SKUs or barcodes happened during the import; nothing was saved."]}
        ) from None


def _execute_many(model, sql_template: str, field_names: list[str], rows: list[list]) -> None:
    """Run one statement for many rows, with values as the database takes them.

    Django's bulk_update builds a CASE expression per object and field (over a minute for 10,000 variants) and
    bulk_create compiles every value; one prepared statement run many times takes a fraction of that. Values that
    need the backend's conversion (datetimes, JSON) are the same for every row of an import, so each is converted
    once.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    converted: dict = {}

    def prepare(field, value):
        if field.get_internal_type() not in ("DateTimeField", "JSONField"):
            return value
        key = (field.name, repr(value))
        if key not in converted:
            converted[key] = field.get_db_prep_save(value, connection)
        return converted[key]

    quote = connection.ops.quote_name
    sql = sql_template.format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        placeholders=", ".join(["%s"] * len(fields)),
        assignments=", ".join(f"{quote(field.column)} = %s" for field in fields),
        pk=quote(model._meta.pk.column),
    )
    params = [
        [prepare(field, value) for field, value in zip(fields, row, strict=False)] + row[len(fields) :] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


class _ProductFields:
    """A row's product columns as model fields, its category and supplier named by id (created when new)."""

    def __init__(self, organization, rows: list[_Row]):
        self.categories, self.categories_created = _by_name(
            Category, organization, {row.values["category"] for row in rows if "category" in row.values}
        )
        self.suppliers, self.suppliers_created = _by_name(
            Supplier, organization, {row.values["supplier"] for row in rows if "supplier" in row.values}
        )

    def __call__(self, values: dict) -> dict:
        fields = {field: values[field] for field in _PRODUCT_FIELDS if field in values}
        if "category" in values:
            fields["category_id"] = self.categories[values["category"].lower()].pk
        if "supplier" in values:
            fields["supplier_id"] = self.suppliers[values["supplier"].lower()].pk
        return fields


_UPDATE_SQL = "UPDATE {table} SET {assignments} WHERE {pk} = %s"
_NEW_VARIANT_COLUMNS = [
    "organization",
    "product",
    "sku",
    "barcode",
    "attributes",
    "price",
    "cost",
    "reorder_level",
    "created_at",
    "updated_at",
]


def _write_rows(organization, rows: list[_Row], existing: dict[str, dict], by) -> ImportResult:
    product_fields = _ProductFields(organization, rows)
    now = timezone.now()
    updated = _update_known(rows, existing, product_fields, now)
    created, products_created = _create_new(organization, rows, existing, product_fields, by, now)
    return ImportResult(
        rows=len(rows),
        created=created,
        updated=updated,
        products_created=products_created,
        categories_created=product_fields.categories_created,
        suppliers_created=product_fields.suppliers_created,
    )


def _update_known(rows: list[_Row], existing: dict[str, dict], product_fields: _ProductFields, now) -> int:
    """Update the variants of known SKUs and their products; a blank cell keeps the current value."""
    variant_updates, product_updates, reorder_changed, repriced = [], {}, [], set()
    revalued, moved = [], []  # variants whose cost or price change, products whose category or expiry does
    for row in rows:
        current = existing.get(row.values["sku"])
        if current is None:
            continue
        new = {field: row.values.get(field, current[field]) for field in _VARIANT_FIELDS}
        variant_updates.append([*(new[field] for field in _VARIANT_FIELDS), now, current["id"]])
        if new["reorder_level"] != current["reorder_level"]:
            reorder_changed.append(current["id"])
        if new["price"] != current["price"]:
            repriced.add(current["product_id"])
        if new["price"] != current["price"] or new["cost"] != current["cost"]:
            revalued.append(current["id"])
        product = product_updates.setdefault(
            current["product_id"],
            {
                "name": current["product__name"],
                "category_id": current["product__category_id"],
                "supplier_id": current["product__supplier_id"],
                "description": current["product__description"],
                "expiration_date": current["product__expiration_date"],
                "is_active": current["product__is_active"],
            },
        )
        product.update(product_fields(row.values))
        if any(product[key] != current[f"product__{key}"] for key in ("category_id", "expiration_date")):
            moved.append(current["product_id"])
    # Barcodes that move are cleared first, so that two SKUs swapping barcodes never collide half-way.
    moving = [update[-1] for update in variant_updates if update[0] is not None]
    for chunk in chunks(moving, _BATCH):
        Variant.objects.filter(pk__in=chunk).update(barcode=None)
    _execute_many(Variant, _UPDATE_SQL, [*_VARIANT_FIELDS, "updated_at"], variant_updates)
    # Levels after the variants and before the products, as the ledger and the catalog's other writes take them.
    stock_figures().levels_revalued(variant_ids=revalued, product_ids=moved)
    stock_figures().follow_reorder_levels(reorder_changed)
    products_follow_prices(repriced)
    _execute_many(
        Product,
        _UPDATE_SQL,
        ["name", "category", "supplier", "description", "expiration_date", "is_active", "updated_at"],
        [[*(p[key] for key in _PRODUCT_UPDATE_KEYS), now, pk] for pk, p in product_updates.items()],
    )
    return len(variant_updates)


def _create_new(organization, rows, existing, product_fields: _ProductFields, by, now) -> tuple[int, int]:
    """Create the new SKUs, grouped by product name, one product per name: (variants, products) created."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        if row.values["sku"] not in existing:
            groups.setdefault(row.values["name"], []).append(row)
    products = Product.objects.bulk_create(
        [
            Product(organization=organization, created_by=by, **product_fields(group[0].values))
            for group in groups.values()
        ],
        batch_size=_BATCH,
    )
    new_variants = [
        [
            organization.pk,
            product.pk,
            row.values["sku"],
            row.values.get("barcode"),
            row.values.get("attributes", {}),
            row.values["price"],
            row.values.get("cost", Decimal("0.00")),
            row.values.get("reorder_level", 0),
            now,
            now,
        ]
        for product, group in zip(products, groups.values(), strict=True)
        for row in group
    ]
    _execute_many(
        Variant, "INSERT INTO {table} ({columns}) VALUES ({placeholders})", _NEW_VARIANT_COLUMNS, new_variants
    )
    products_follow_prices(product.pk for product in products)
    return len(new_variants), len(products)
