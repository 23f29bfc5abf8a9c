"""`stock.services.transfers`: what the request refuses, as domain errors with their fields."""

import pytest

from core.exceptions import InvalidInput, WrongOrganization
from stock.models import Transfer
from stock.services.transfers import TransferLine, transfer_request

pytestmark = pytest.mark.django_db


def test_a_transfer_to_its_own_source_is_refused_on_the_destination(admin, warehouse, variant):
    with pytest.raises(InvalidInput) as raised:
        transfer_request(
            by=admin, source_warehouse=warehouse, destination_warehouse=warehouse, items=[TransferLine(variant, 1)]
        )

    assert raised.value.errors == {"destination_warehouse": ["The destination must differ from the source."]}
    assert not Transfer.objects.exists()


def test_a_transfer_without_items_is_refused(admin, warehouse, other_warehouse):
    with pytest.raises(InvalidInput) as raised:
        transfer_request(by=admin, source_warehouse=warehouse, destination_warehouse=other_warehouse, items=[])

    assert raised.value.errors == {"items": ["A transfer needs at least one item."]}


@pytest.mark.parametrize("foreign", ["destination", "variant"])
def test_objects_of_another_organization_are_refused(
    admin, warehouse, other_warehouse, variant, foreign_variant, foreign_warehouse, foreign
):
    destination = foreign_warehouse if foreign == "destination" else other_warehouse
    line = TransferLine(foreign_variant if foreign == "variant" else variant, 1)

    with pytest.raises(WrongOrganization) as raised:
        transfer_request(by=admin, source_warehouse=warehouse, destination_warehouse=destination, items=[line])

    assert raised.value.errors == {"non_field_errors": ["Every warehouse and variant must be in your organization."]}
    assert not Transfer.objects.exists()
