"""The CSV import's cell parsers: one plain function per column, with the API's rules and messages.

Plain functions rather than DRF fields: a serializer (or even a field) per cell costs seconds at 10,000 rows.
"""

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation

from catalog.fields import (
    BARCODE_MAX_LENGTH,
    MAX_ATTRIBUTE_KEY_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_UNITS,
    MONEY,
    SKU_MAX_LENGTH,
)
from catalog.models import Category, Product

MAX_DESCRIPTION_LENGTH = 10_000


class CellError(Exception):
    pass


def _text(max_length: int):
    def parse(cell: str) -> str:
        if len(cell) > max_length:
            raise CellError(f"Ensure this field has no more than {max_length} characters.")
        if "\x00" in cell:
            raise CellError("Null characters are not allowed.")
        return cell

    return parse


def _money(cell: str) -> Decimal:
    """The API's money rules (MONEY in catalog.fields), with DRF's messages."""
    try:
        value = Decimal(cell)
    except InvalidOperation:
        raise CellError("A valid number is required.") from None
    if not value.is_finite():
        raise CellError("A valid number is required.")
    _, digits, exponent = value.as_tuple()
    decimals = max(0, -exponent)
    whole_digits = max(0, len(digits) + min(0, exponent)) if exponent < 0 else len(digits) + exponent
    max_digits, max_decimals = MONEY["max_digits"], MONEY["decimal_places"]
    if decimals > max_decimals:
        raise CellError(f"Ensure that there are no more than {max_decimals} decimal places.")
    if whole_digits > max_digits - max_decimals:
        whole = max_digits - max_decimals
        raise CellError(f"Ensure that there are no more than {whole} digits before the decimal point.")
    if value < MONEY["min_value"]:
        raise CellError(f"Ensure this value is greater than or equal to {MONEY['min_value']}.")
    return value.quantize(Decimal(1).scaleb(-max_decimals))


_TRAILING_ZERO_DECIMALS = re.compile(r"\.0*$")  # "5.0" is 5, as in the API


def _units(cell: str) -> int:
    try:
        value = int(_TRAILING_ZERO_DECIMALS.sub("", cell))
    except ValueError:
        raise CellError("A valid integer is required.") from None
    if value < 0:
        raise CellError("Ensure this value is greater than or equal to 0.")
    if value > MAX_UNITS:
        raise CellError(f"Ensure this value is less than or equal to {MAX_UNITS}.")
    return value


def _attributes(cell: str) -> dict:
    """A JSON object of strings, as the export writes it (`{"size": "M"}`), with the API's bounds."""
    try:
        value = json.loads(cell)
    except ValueError:
        raise CellError('Enter a JSON object such as {"size": "M"}.') from None
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise CellError('Enter a JSON object of strings such as {"size": "M"}.')
    if len(value) > MAX_ATTRIBUTES:
        raise CellError(f"At most {MAX_ATTRIBUTES} attributes.")
    for key, item in value.items():
        if not key.strip() or len(key) > MAX_ATTRIBUTE_KEY_LENGTH or len(item) > MAX_ATTRIBUTE_VALUE_LENGTH:
            raise CellError(
                f"Attribute names are 1 to {MAX_ATTRIBUTE_KEY_LENGTH} characters, values at most "
                f"{MAX_ATTRIBUTE_VALUE_LENGTH}."
            )
    return value


def _date(cell: str) -> dt.date:
    try:
        return dt.date.fromisoformat(cell)
    except ValueError:
        raise CellError("Enter a date as YYYY-MM-DD.") from None


def _boolean(cell: str) -> bool:
    lowered = cell.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise CellError("Enter true or false.")
    return lowered in ("true", "1", "yes")


class Cells:
    """One parser per CSV column, with the API's rules and messages.

    Plain functions rather than DRF fields: a serializer (or even a field) per cell costs seconds at 10,000 rows.
    """

    def __init__(self):
        name_length = Product._meta.get_field("name").max_length
        self.parsers = {
            "name": _text(name_length),
            "category": _text(Category._meta.get_field("name").max_length),
            "sku": _text(SKU_MAX_LENGTH),
            "barcode": _text(BARCODE_MAX_LENGTH),
            "price": _money,
            "cost": _money,
            "reorder_level": _units,
            "supplier": _text(name_length),
            "attributes": _attributes,
            "description": _text(MAX_DESCRIPTION_LENGTH),
            "expiration_date": _date,
            "is_active": _boolean,
        }

    def parse(self, raw: dict[str, str]) -> tuple[dict, dict]:
        """Validate the non-blank cells of a row; blank cells are left out (unchanged on update)."""
        values, errors = {}, {}
        for column, parse in self.parsers.items():
            cell = raw.get(column, "").strip()
            if not cell:
                continue
            try:
                values[column] = parse(cell)
            except CellError as exc:
                errors[column] = [str(exc)]
        return values, errors
