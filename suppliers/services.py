"""Writes of suppliers. A race past the serializer's uniqueness check still answers 400 keyed by `name`."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.exceptions import InvalidInput, Protected, protected_detail
from suppliers.models import Supplier

SUPPLIER_FIELDS = ("name", "contact_name", "email", "phone", "address", "notes")


def _save(supplier: Supplier) -> Supplier:
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError:
        if Supplier.objects.filter(organization_id=supplier.organization_id, name=supplier.name).exists():
            raise InvalidInput({"name": ["A supplier with this name already exists."]}) from None
        raise
    return supplier


def supplier_create(*, organization, data: dict) -> Supplier:
    return _save(Supplier(organization=organization, **{f: data[f] for f in SUPPLIER_FIELDS if f in data}))


def supplier_update(*, supplier: Supplier, data: dict) -> Supplier:
    for field in SUPPLIER_FIELDS:
        if field in data:
            setattr(supplier, field, data[field])
    return _save(supplier)


def supplier_delete(*, supplier: Supplier) -> None:
    """Products lose their default supplier; purchase orders protect it (409 `protected`)."""
    try:
        with transaction.atomic():
            supplier.delete()
    except ProtectedError as exc:
        raise Protected(protected_detail(supplier, exc)) from None
