from decimal import Decimal

import factory

from sales.models import SalesOrder, SalesOrderItem, SalesOrderStatus
from tests.catalog.factories import VariantFactory
from tests.users.factories import OrganizationFactory, UserFactory
from tests.warehouses.factories import WarehouseFactory


class SalesOrderFactory(factory.django.DjangoModelFactory):
    """A pending order with one line (`items=0` for none, `items=3` for three), its warehouse and creator in its org.

    Built directly, not through the services: for reads and isolation tests. Tests of behaviour create orders with
    `sales.services.sales_order_create`.
    """

    class Meta:
        model = SalesOrder
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"SO-{n + 1:05d}")
    warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    created_by = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    status = SalesOrderStatus.PENDING

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create:
            return
        for _ in range(1 if extracted is None else extracted):
            SalesOrderItemFactory(order=self, **kwargs)


class SalesOrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrderItem

    order = factory.SubFactory(SalesOrderFactory, items=0)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..order.organization"))
    quantity = 2
    unit_price = Decimal("10.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the services do, the order's kept total follows its lines.
        item = super()._create(model_class, *args, **kwargs)
        type(item.order).objects.filter(pk=item.order_id).refresh_totals()
        item.order.refresh_from_db(fields=["total_amount"])
        return item
