"""Serializer pieces every app's API shares: text fields that take text only.

DRF's `CharField` turns `12` and `1.5` into `"12"` and `"1.5"`; a name sent as a number is a client's mistake, and
the API answers it with a 400 (`Not a valid string.`) on every route, as it does for any other wrong type.
"""

from django.db import models
from rest_framework import serializers

from core.fields import BoundedTextField


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictTextField(StrictCharField, BoundedTextField):
    """Free text of strings only, at most `TEXT_MAX_LENGTH` characters."""


# A ModelSerializer whose text fields take strings only (`{"name": 12}` is a 400, not "12"). A comment, not a
# docstring: drf-spectacular describes every serializer without a docstring of its own with its base's.
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictTextField,
    }
