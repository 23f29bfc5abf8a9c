"""Two demo warehouses; the demo manager, staff and viewer work in the first."""

from core.roles import Role
from warehouses.models import Warehouse


def seed(ctx: dict) -> None:
    organization = ctx["organization"]
    main = Warehouse.objects.create(
        organization=organization, name="Main Warehouse", code="MAIN", address="1 Harbour Road"
    )
    annex = Warehouse.objects.create(
        organization=organization, name="City Store", code="CITY", address="22 Market Street"
    )
    for role in (Role.MANAGER, Role.STAFF, Role.VIEWER):
        ctx["users"][role].warehouses.add(main)
    ctx["warehouses"] = [main, annex]
