"""The organization boundary, in one place.

Every business model carries an `organization` foreign key. Views inherit `OrganizationScopedMixin`, so a
query can never see another organization's rows (their ids answer 404), and serializers use
`OrganizationPrimaryKeyRelatedField`, so an id of another organization in a request body answers 400.
"""

import copy

from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from core.kept import kept_get, kept_in_bulk
from core.permissions import is_org_member


def organization_of(request):
    user = getattr(request, "user", None)
    return user.organization if is_org_member(user) else None


class OrganizationScopedMixin:
    """Filter `get_queryset()` to the caller's organization and stamp it on created objects.

    `organization_field` names the path to the organization for models that reach it through a relation.
    """

    organization_field = "organization"

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if not is_org_member(user):  # schema generation, anonymous requests
            return queryset.none()
        return queryset.filter(**{self.organization_field: user.organization_id})

    def perform_create(self, serializer):
        serializer.save(organization=self.request.user.organization)


class IdListField(serializers.ManyRelatedField):
    """A list of ids; DRF's own takes any iterable, so `{}` read as no ids at all."""

    def to_internal_value(self, data):
        if not isinstance(data, list | tuple):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class OrganizationPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field that accepts only ids of objects in the caller's organization."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, value) for key, value in kwargs.items() if key in MANY_RELATION_KWARGS)
        return IdListField(**list_kwargs)

    def __init__(self, *, organization_field: str = "organization", **kwargs):
        self.organization_field = organization_field
        super().__init__(**kwargs)

    prefetched: dict | None = None  # {pk: object} read for every item of a list at once (`PrefetchedListSerializer`)

    def __deepcopy__(self, memo):
        """DRF's copy (every serializer instance builds its fields anew from their arguments), except that the
        queryset is shared rather than copied with its whole query: this field only ever clones it
        (`get_queryset`) or reads its shape (`_kept_get`), and never evaluates it, so no result is ever cached on it.
        """
        shared = ("queryset", "validators")
        kwargs = {key: value if key in shared else copy.deepcopy(value, memo) for key, value in self._kwargs.items()}
        return self.__class__(*copy.deepcopy(self._args, memo), **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not is_org_member(user):
            return queryset.none()
        return queryset.filter(**{self.organization_field: user.organization_id})

    def to_internal_value(self, data):
        found = self.prefetched.get(id_value(data)) if self.prefetched else None
        if found is None:
            found = self._kept_get(data)
        if found is None:  # an id of no object in the organization: DRF's own error for it
            self.fail("does_not_exist", pk_value=data)
        # Anything else (a wrong type, a queryset of its own) takes the usual path, so its error is the same.
        return found if found is not NotImplemented else super().to_internal_value(data)

    def _kept_get(self, data):
        """The object (or None: no such object in the organization) from a statement compiled once
        (`core.kept.kept_get`), when the field's queryset is a plain one that this class filters by organization;
        NotImplemented to take DRF's path, which builds and compiles its `get()` on every request.
        """
        pk, organization_id = id_value(data), self._kept_organization_id()
        if pk is None or organization_id is None:
            return NotImplemented
        return kept_get(self.queryset, pk, organization_field=self.organization_field, organization_id=organization_id)

    def in_bulk(self, ids) -> dict:
        """{id: object} of these ids in the caller's organization, through a kept statement when `_kept_get` would
        use one (`core.kept.kept_in_bulk`), else through the field's queryset.
        """
        organization_id = self._kept_organization_id()
        if organization_id is not None:
            found = kept_in_bulk(
                self.queryset, ids, organization_field=self.organization_field, organization_id=organization_id
            )
            if found is not NotImplemented:
                return found
        return self.get_queryset().in_bulk(ids)

    def _kept_organization_id(self) -> int | None:
        """The caller's organization when the field's queryset is a plain one that this class filters by it."""
        user = getattr(self.context.get("request"), "user", None)
        if self.queryset is None or not is_org_member(user):
            return None
        if type(self).get_queryset is not _ORGANIZATION_QUERYSET:
            return None  # the queryset is narrowed (or widened) some other way
        return user.organization_id


# What `_kept_get` stands in for; a subclass or a test that replaces it takes DRF's path.
_ORGANIZATION_QUERYSET = OrganizationPrimaryKeyRelatedField.get_queryset


class PrefetchedListSerializer(serializers.ListSerializer):
    """A list whose items' `OrganizationPrimaryKeyRelatedField`s are read in one query per field, not one per item
    (an order's lines: a request's queries stay the same whatever its number of lines).
    """

    def to_internal_value(self, data):
        if isinstance(data, list):
            for name, field in self.child.fields.items():
                if isinstance(field, OrganizationPrimaryKeyRelatedField):
                    ids = {id_value(item.get(name)) for item in data if isinstance(item, dict)} - {None}
                    field.prefetched = field.in_bulk(ids) if ids else None
        return super().to_internal_value(data)


def id_value(value) -> int | None:
    """An id sent in a body or a query string (an integer, or its digits) as a bigint key to look up, or None for
    anything else (left to the field or filter that reads it, which names the error).
    """
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:  # a bigint key
        return value
    return None


class UserRefSerializer(serializers.Serializer):
    """A reference to a user in a response: `{id, username}`."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
