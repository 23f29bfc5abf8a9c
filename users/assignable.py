"""The warehouses a user can be given as their own, named by the floor that keeps warehouses.

`users` sits below `warehouses`: a warehouse belongs to an organization and declares which users are assigned to
it (`Warehouse.assigned_users`, read from a user as `user.warehouses`). The user routes and the admin still take a
user's warehouses as ids; the warehouses app says which objects those ids name when it is ready
(`warehouses.apps`), so the import arrow points down a floor.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

_warehouses: QuerySet | None = None


def provide(warehouses: QuerySet) -> None:
    """Called once by the warehouses app when Django is ready."""
    global _warehouses
    _warehouses = warehouses


def assignable_warehouses() -> QuerySet:
    """Every warehouse (filter it to the organization); a fresh clone each call."""
    if _warehouses is None:
        raise ImproperlyConfigured("A user's warehouses come from the warehouses app: add it to INSTALLED_APPS.")
    return _warehouses.all()
