import datetime as dt
from decimal import Decimal

import pytest

from core.roles import Role
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.dashboard.helpers import Books, moment, travel
from tests.suppliers.factories import SupplierFactory
from tests.users.factories import UserFactory

TODAY = dt.date(2025, 3, 15)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def books():
    return Books()


@pytest.fixture
def get():
    """`get(client, url, **params)` → the response, asked at noon (UTC) of TODAY."""

    def request(client, url, at: dt.datetime | None = None, **params):
        with travel(at or moment(TODAY)):
            return client.get(url, params)

    return request


@pytest.fixture
def make_variant(org):
    """`make_variant(name, cost, price, ...)`: one product with one variant in `org`."""

    def make(name, cost, price, *, category=None, reorder_level=0, expires=None, organization=None):
        product = ProductFactory(
            organization=organization or org, name=name, category=category, expiration_date=expires
        )
        return VariantFactory(product=product, cost=Decimal(cost), price=Decimal(price), reorder_level=reorder_level)

    return make


@pytest.fixture
def supplier(org):
    return SupplierFactory(organization=org, name="Leaf & Bean")


@pytest.fixture
def category(org):
    def make(name):
        return CategoryFactory(organization=org, name=name)

    return make


@pytest.fixture
def annex_staff(org, other_warehouse):
    return UserFactory(organization=org, username="annex_staff", role=Role.STAFF, warehouses=[other_warehouse])
