"""Serializer pieces every app's API shares: text fields that take text only, booleans that take booleans only,
money that is a decimal string or a JSON number, dates written one way, and fields named by Python keywords
(`from`, `in`).

DRF's `CharField` turns `12` and `1.5` into `"12"` and `"1.5"`, and its `BooleanField` turns `1`, `"yes"` or
`"on"` into `true`; a name sent as a number, or a flag sent as a number, is a client's mistake, and the API answers
it with a 400 (`Not a valid string.`, `Must be a valid boolean.`) on every route, as it does for any other wrong type.
"""

import re

from django.db import models
from rest_framework import serializers
from rest_framework.utils import html

from core.fields import BoundedTextField

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictTextField(StrictCharField, BoundedTextField):
    """Free text of strings only, at most `TEXT_MAX_LENGTH` characters."""


class _FormValue(str):
    """A value read from a form (multipart or urlencoded), where every value is text."""


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` in JSON; a form (which can only send text) still sends `"true"` or `"false"`."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if html.is_html_input(dictionary) and isinstance(value, str):
            return _FormValue(value)
        return value

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, _FormValue) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)


class MoneyField(serializers.DecimalField):
    """Money in: a decimal string (`"12.50"`, as the API writes money) or a JSON number (`12.5`), at most
    `decimal_places` places; money out: always the string. `core.schema` documents the input as either.
    """


# A ModelSerializer whose text fields take strings only (`{"name": 12}` is a 400, not "12"). A comment, not a
# docstring: drf-spectacular describes every serializer without a docstring of its own with its base's.
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictTextField,
        models.BooleanField: StrictBooleanField,
        models.DecimalField: MoneyField,
    }


class StrictDateField(serializers.DateField):
    """`YYYY-MM-DD` and nothing else (no `20240105`, no `2024-1-5`, no week dates)."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE.match(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class KeywordFieldsMixin:
    """Add fields named by Python keywords; `keyword_fields` maps each name to a factory, `field_order` orders all."""

    keyword_fields: dict = {}
    field_order: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        for name, make in self.keyword_fields.items():
            fields[name] = make()
        if not self.field_order:
            return fields
        ordered = {name: fields.pop(name) for name in self.field_order if name in fields}
        return {**ordered, **fields}
