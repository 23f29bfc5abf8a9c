"""`OrganizationPrimaryKeyRelatedField` as every serializer instance copies it: its own field, bound to its own
serializer, sharing the declared queryset, which nothing ever evaluates.
"""

from types import SimpleNamespace

import pytest

from stock.serializers import StockAdjustmentCreateSerializer
from tests.catalog.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_each_serializer_gets_its_own_id_fields_sharing_a_queryset_never_evaluated(admin, other_admin, warehouse):
    variant = VariantFactory(organization=admin.organization)
    declared = StockAdjustmentCreateSerializer._declared_fields["variant"]
    ours = StockAdjustmentCreateSerializer(
        data={"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 1},
        context={"request": SimpleNamespace(user=admin)},
    )
    theirs = StockAdjustmentCreateSerializer(
        data={"variant": variant.pk, "warehouse": warehouse.pk, "quantity": 1},
        context={"request": SimpleNamespace(user=other_admin)},
    )

    assert ours.is_valid() and not theirs.is_valid()  # the other organization's admin cannot name our variant
    field, other = ours.fields["variant"], theirs.fields["variant"]
    assert field is not other and field is not declared
    assert (field.parent, other.parent) == (ours, theirs)  # each bound to its own serializer and request
    assert field.queryset is other.queryset is declared.queryset
    assert declared.queryset._result_cache is None
    assert ours.validated_data["variant"] == variant
