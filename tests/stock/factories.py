"""Stock factories.

These write rows directly, for reads and isolation tests. A test that needs stock *on hand* puts it there through
the ledger (`tests.stock.helpers.put_stock`), never by writing a quantity: a level made here holds 0 units and its
movements (if any) must be made consistent by the test itself.
"""

import factory

from stock.models import (
    AdjustmentReason,
    MovementType,
    Reason,
    StockAdjustment,
    StockLevel,
    StockMovement,
    StockReservation,
    Transfer,
    TransferItem,
    TransferStatus,
)
from tests.catalog.factories import VariantFactory
from tests.users.factories import OrganizationFactory
from tests.warehouses.factories import WarehouseFactory


class StockLevelFactory(factory.django.DjangoModelFactory):
    """An empty level (0 units). For stock on hand use the ledger."""

    class Meta:
        model = StockLevel

    organization = factory.SubFactory(OrganizationFactory)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..organization"))
    warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    reorder_level = factory.LazyAttribute(lambda level: level.variant.reorder_level)  # as the ledger creates it


class StockReservationFactory(factory.django.DjangoModelFactory):
    """A bare reservation row, for read tests only: its level neither holds nor records the units (it breaks the
    reservation invariant on purpose). For a real one, create a pending sales order.
    """

    class Meta:
        model = StockReservation

    organization = factory.SubFactory(OrganizationFactory)
    level = factory.SubFactory(StockLevelFactory, organization=factory.SelfAttribute("..organization"))
    reference_type = "sales_order"
    reference_id = factory.Sequence(lambda n: 900_000 + n)
    reference_number = factory.LazyAttribute(lambda row: f"SO-{row.reference_id}")
    line_id = factory.Sequence(lambda n: 900_000 + n)
    requested = 3
    quantity = 2


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A bare ledger row, for read tests only: it changes no level, so it breaks the ledger invariant on purpose."""

    class Meta:
        model = StockMovement

    organization = factory.SubFactory(OrganizationFactory)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..organization"))
    warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    movement_type = MovementType.IN
    reason = Reason.ADJUSTMENT
    quantity = 5
    balance_after = 5


class StockAdjustmentFactory(factory.django.DjangoModelFactory):
    """An adjustment record without a movement (as a count that matched the books)."""

    class Meta:
        model = StockAdjustment

    organization = factory.SubFactory(OrganizationFactory)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..organization"))
    warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    quantity = 0
    counted_quantity = 0
    reason = AdjustmentReason.ADJUSTMENT


class TransferFactory(factory.django.DjangoModelFactory):
    """A requested transfer with one line (`items=0` for none, `items=3` for three)."""

    class Meta:
        model = Transfer
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"TR-{n + 1:05d}")
    source_warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    destination_warehouse = factory.SubFactory(WarehouseFactory, organization=factory.SelfAttribute("..organization"))
    status = TransferStatus.REQUESTED

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create:
            return
        for _ in range(1 if extracted is None else extracted):
            TransferItemFactory(transfer=self, **kwargs)


class TransferItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransferItem

    transfer = factory.SubFactory(TransferFactory, items=0)
    variant = factory.SubFactory(VariantFactory, organization=factory.SelfAttribute("..transfer.organization"))
    quantity = 3
