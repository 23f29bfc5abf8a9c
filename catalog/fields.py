"""The catalog's input rules, shared by its serializers and the CSV import's cells: money, units, attributes,
SKUs and barcodes, and ids of the caller's organization.
"""

from decimal import Decimal

from rest_framework import serializers

from catalog.models import Variant
from core.serializers import StrictCharField
from core.tenancy import OrganizationPrimaryKeyRelatedField

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
MAX_UNITS = 2_147_483_647  # the largest value a PositiveIntegerField holds on every backend
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 200
SKU_MAX_LENGTH = Variant._meta.get_field("sku").max_length
BARCODE_MAX_LENGTH = Variant._meta.get_field("barcode").max_length
RESERVED_HELP = "Units promised to pending sales orders (all warehouses, or ?warehouse=)."
AVAILABLE_HELP = "`quantity - reserved`: units that can be sold now."


def organization_id_of(serializer) -> int | None:
    request = serializer.context.get("request")
    return getattr(getattr(request, "user", None), "organization_id", None)


class AttributesField(serializers.DictField):
    """A flat JSON object of strings, e.g. `{"size": "M", "colour": "red"}`."""

    default_error_messages = {
        "not_a_dict": 'Expected an object of strings, like {{"size": "M"}}, but got {input_type}.',
        "too_many": f"At most {MAX_ATTRIBUTES} attributes.",
        "bad_key": f"Attribute names must be 1 to {MAX_ATTRIBUTE_KEY_LENGTH} characters.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "child",
            StrictCharField(allow_blank=True, max_length=MAX_ATTRIBUTE_VALUE_LENGTH, trim_whitespace=True),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if len(data) > MAX_ATTRIBUTES:
                self.fail("too_many")
            for key in data:
                stripped = str(key).strip()
                if not stripped or len(stripped) > MAX_ATTRIBUTE_KEY_LENGTH or "\x00" in stripped:
                    self.fail("bad_key")
        value = super().to_internal_value(data)
        return {str(key).strip(): item for key, item in value.items()}


class OrganizationIdField(OrganizationPrimaryKeyRelatedField):
    """An id of the caller's organization, as an integer (or a string of digits from a form), never `1.5`."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def normalize_barcode(value):
    return value or None  # "" and null both mean "no barcode" (NULLs don't collide under the unique constraint)
