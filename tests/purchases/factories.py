from decimal import Decimal

import factory

from catalog.models import Product, Variant
from purchases.models import PurchaseOrder, PurchaseOrderItem, PurchaseOrderStatus
from suppliers.models import Supplier
from tests.users.factories import OrganizationFactory
from tests.warehouses.factories import WarehouseFactory


# Local stand-ins until catalog and suppliers publish their own factories; not named after their models, so the
# canonical `SupplierFactory` / `VariantFactory` win wherever tests discover factories by model.
class PurchaseSupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Supplier {n}")


class PurchaseProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Product {n}")


class PurchaseVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    organization = factory.SubFactory(OrganizationFactory)
    product = factory.SubFactory(PurchaseProductFactory, organization=factory.SelfAttribute("..organization"))
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("9.99")
    cost = Decimal("0.00")


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
    supplier = factory.SubFactory(PurchaseSupplierFactory, organization=factory.SelfAttribute("..organization"))
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
    variant = factory.SubFactory(PurchaseVariantFactory, organization=factory.SelfAttribute("..order.organization"))
    quantity_ordered = 10
    unit_cost = Decimal("2.00")
