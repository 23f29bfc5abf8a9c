"""Sales fixtures: three variants of the organization and a way to put stock on the shelves (through the ledger)."""

from decimal import Decimal

import pytest

from stock.models import StockLevel, StockMovement
from tests.catalog.factories import VariantFactory
from tests.sales.helpers import LIST, body
from tests.stock.helpers import put_stock
from tests.stock.invariants import assert_ledger_consistent


@pytest.fixture(autouse=True)
def _ledger_stays_consistent(request):
    """Whatever a sales test did, every level still equals the sum of its movements afterwards."""
    yield
    if request.node.get_closest_marker("django_db") is not None:
        assert_ledger_consistent()


@pytest.fixture
def mug(org):
    return VariantFactory(organization=org, sku="MUG", price=Decimal("12.50"), cost=Decimal("5.00"))


@pytest.fixture
def tee(org):
    return VariantFactory(organization=org, sku="TEE", price=Decimal("20.00"), cost=Decimal("8.00"))


@pytest.fixture
def cap(org):
    return VariantFactory(organization=org, sku="CAP", price=Decimal("15.00"), cost=Decimal("6.00"))


@pytest.fixture
def shelve(admin):
    """`shelve(variant, warehouse, quantity)` puts opening stock in through the ledger."""

    def put(variant, warehouse, quantity):
        put_stock(variant, warehouse, quantity, by=admin)

    return put


def level(variant, warehouse) -> int:
    found = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return found.quantity if found else 0


def sale_movements(order):
    return StockMovement.objects.filter(reference_type="sales_order", reference_id=order.pk).order_by("id")


@pytest.fixture
def request_by_viewer(viewer_client, warehouse, mug, tee):
    """A pending purchase request for 2 mugs and 1 tee, made by the viewer."""
    response = viewer_client.post(LIST, body(warehouse, (mug, 2), (tee, 1)))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def sale(staff_client, warehouse, mug, tee, shelve):
    """A sale by staff of 4 mugs and 2 tees, from 10 of each on the shelves."""
    shelve(mug, warehouse, 10)
    shelve(tee, warehouse, 10)
    response = staff_client.post(LIST, body(warehouse, (mug, 4), (tee, 2)))
    assert response.status_code == 201
    return response.json()
