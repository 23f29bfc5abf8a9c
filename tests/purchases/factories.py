from decimal import Decimal

import factory

from purchases.models import PurchaseOrder, PurchaseOrderItem, PurchaseOrderStatus
from tests.catalog.factories import VariantFactory
from tests.suppliers.factories import SupplierFactory
from tests.users.factories import OrganizationFactory
from tests.warehouses.factories import WarehouseFactory


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    """A draft order with one line (`items=0` for none, `items=3` for three), supplier and warehouse in its org.

    Built directly, not through the services: for reads and isolation tests. Tests of behaviour create orders with
    `purchases.services.purchase_order_create`.
    """

    class Meta:
        model = PurchaseOrder
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"PO-{n + 1:05d}")
    supplier = factory.SubFactory(SupplierFactory, organization=factory.SelfAttribute("..organization"))
    warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    status = PurchaseOrderStatus.DRAFT

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create:
            return
        for _ in range(1 if extracted is None else extracted):
            PurchaseOrderItemFactory(order=self, **kwargs)


class PurchaseOrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderItem

    order = factory.SubFactory(PurchaseOrderFactory, items=0)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..order.organization"))
    quantity_ordered = 10
    unit_cost = Decimal("2.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the services do, the order's kept total follows its lines.
        item = super()._create(model_class, *args, **kwargs)
        type(item.order).objects.filter(pk=item.order_id).refresh_totals()
        item.order.refresh_from_db(fields=["total_amount"])
        return item
