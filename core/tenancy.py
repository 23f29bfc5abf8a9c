"""The organization boundary, in one place.

Every business model carries an `organization` foreign key. Views inherit `OrganizationScopedMixin`, so a
query can never see another organization's rows (their ids answer 404), and serializers use
`OrganizationPrimaryKeyRelatedField`, so an id of another organization in a request body answers 400.
"""

from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

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

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not is_org_member(user):
            return queryset.none()
        return queryset.filter(**{self.organization_field: user.organization_id})


class UserRefSerializer(serializers.Serializer):
    """A reference to a user in a response: `{id, username}`."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
