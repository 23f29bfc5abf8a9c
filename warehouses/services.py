"""Writes on warehouses. Who may do what (admin; a manager of an own warehouse for updates) is checked here."""

from django.db import IntegrityError, transaction

from core.exceptions import InvalidInput, NotPermitted
from core.permissions import has_warehouse_access
from core.roles import Role
from users.models import Organization, User
from warehouses.models import Warehouse

_CODE_TAKEN = "A warehouse with this code already exists in your organization."


def _save(warehouse: Warehouse) -> Warehouse:
    if (
        Warehouse.objects.filter(organization_id=warehouse.organization_id, code=warehouse.code)
        .exclude(pk=warehouse.pk)
        .exists()
    ):
        raise InvalidInput({"code": [_CODE_TAKEN]})
    try:
        with transaction.atomic():
            warehouse.save()
    except IntegrityError as exc:  # a concurrent create took the code after the check
        raise InvalidInput({"code": [_CODE_TAKEN]}) from exc
    return warehouse


def warehouse_create(
    *, organization: Organization, by: User, name: str, code: str, address: str = "", is_active: bool = True
) -> Warehouse:
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can create warehouses.")
    return _save(Warehouse(organization=organization, name=name, code=code, address=address, is_active=is_active))


def warehouse_update(*, warehouse: Warehouse, by: User, **fields) -> Warehouse:
    """Admins update any warehouse; managers only their own (403 otherwise)."""
    if by.role not in (Role.ADMIN, Role.MANAGER) or not has_warehouse_access(by, warehouse.pk):
        raise NotPermitted("You can only update warehouses assigned to you.")
    for name, value in fields.items():
        setattr(warehouse, name, value)
    return _save(warehouse)


def warehouse_delete(*, warehouse: Warehouse, by: User) -> None:
    """Delete a warehouse (admin only). One with stock history raises `ProtectedError` (→ 409 `protected`)."""
    if by.role != Role.ADMIN:
        raise NotPermitted("Only an admin can delete warehouses.")
    warehouse.delete()
