"""Serializer fields copied cheaply for each request where DRF's deep copy buys nothing (decision 0031).

DRF builds every serializer instance's fields anew: `Serializer.get_fields` deep-copies the declared fields, and
each field's `__deepcopy__` deep-copies its arguments and runs its `__init__` again. For a field whose arguments
are all immutable values (or the ones DRF's own copy shares: its validators, and here a queryset, which an id field
only clones) and which holds no child field or nested serializer, a shallow copy is the same field: binding sets
its name, parent, label and source on the copy, and nothing changes a field in place after its `__init__`.
`ShallowFieldCopies` copies those fields shallowly and every other field as DRF does.
"""

import copy
from decimal import Decimal
from enum import Enum

from rest_framework import serializers
from rest_framework.relations import ManyRelatedField

_IMMUTABLE = (str, bytes, int, float, bool, type(None), Decimal, Enum, type)
_SHARED = {"validators", "queryset", "choices"}  # kept by reference, or turned into new dicts, by the field
_WITH_CHILDREN = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, ManyRelatedField)


class ShallowFieldCopies:
    """For a `Serializer` built for every request of a hot route (its declared fields only)."""

    def get_fields(self):
        return {name: _copied(field) for name, field in self._declared_fields.items()}


def _copied(field: serializers.Field) -> serializers.Field:
    return copy.copy(field) if _shallow_is_enough(field) else copy.deepcopy(field)


def _shallow_is_enough(field: serializers.Field) -> bool:
    if isinstance(field, _WITH_CHILDREN) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return False
    return all(key in _SHARED or isinstance(value, _IMMUTABLE) for key, value in field._kwargs.items())
