"""The database refuses what must never happen, whatever code writes the rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from sales.models import SalesOrder
from tests.sales.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"quantity": 0},
        {"unit_price": Decimal("-0.01")},
        {"quantity": 2, "quantity_returned": 3},
        {"quantity": 2, "quantity_returned": -1},
    ],
    ids=["zero-quantity", "negative-price", "returned-more-than-sold", "negative-returned"],
)
def test_a_line_that_breaks_a_rule_is_refused(org, fields):
    order = SalesOrderFactory(organization=org, items=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrderItemFactory(order=order, **fields)


def test_a_line_returned_exactly_in_full_is_fine(org):
    item = SalesOrderItemFactory(order=SalesOrderFactory(organization=org, items=0), quantity=2, quantity_returned=2)

    assert item.quantity_left == 0


def test_a_number_is_unique_within_an_organization_only(org, other_org):
    SalesOrderFactory(organization=org, number="SO-00001")
    SalesOrderFactory(organization=other_org, number="SO-00001")

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrderFactory(organization=org, number="SO-00001")


def test_an_unknown_status_is_refused(org):
    order = SalesOrderFactory(organization=org)

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(status="shipped")
