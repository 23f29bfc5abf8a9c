"""Roles and the capability matrix of the API contract, in one place.

Permission classes, the `/api/roles/` route and the docs all read from here, so the matrix cannot drift.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    STAFF = "staff", "Staff"
    VIEWER = "viewer", "Viewer"


ALL_ROLES = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})
ADMIN_MANAGER = frozenset({Role.ADMIN, Role.MANAGER})
ADMIN_MANAGER_STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF})

# What each role may do, as front ends show it. "own" = only in warehouses assigned to the user.
CAPABILITIES: dict[str, list[str]] = {
    Role.ADMIN: [
        "read catalog, suppliers, warehouses, stock levels, movements, orders, alerts",
        "create/update categories, products, variants, suppliers",
        "delete products, categories, suppliers",
        "create, update and delete warehouses",
        "stock adjustments (incl. opening stock) in any warehouse",
        "request, approve and reject transfers",
        "purchase orders: create, submit, receive, cancel",
        "sales orders: create as fulfilled, fulfil, reject, return",
        "sales orders: create as pending (a purchase request)",
        "dashboards and reports for all warehouses",
        "approve pending registrations; dismiss users",
        "approve promotion requests; demote managers",
        "user management: list, create, update, set role and warehouses",
    ],
    Role.MANAGER: [
        "read catalog, suppliers, warehouses, stock levels, movements, orders, alerts",
        "create/update categories, products, variants, suppliers",
        "update own warehouses",
        "stock adjustments in own warehouses",
        "request transfers from own warehouses",
        "purchase orders in own warehouses: create, submit, receive, cancel",
        "sales orders in own warehouses: create as fulfilled, fulfil, reject, return",
        "sales orders: create as pending (a purchase request)",
        "dashboards and reports for own warehouses",
        "approve staff/viewer registrations into own warehouses; dismiss staff/viewers of own warehouses",
        "request the promotion of a staff user to manager",
        "list users of own warehouses",
    ],
    Role.STAFF: [
        "read catalog, suppliers, warehouses, stock levels, movements, orders, alerts",
        "stock adjustments in own warehouses",
        "purchase orders in own warehouses: create, receive",
        "sales orders in own warehouses: create as fulfilled, fulfil, reject, return",
        "sales orders: create as pending (a purchase request)",
    ],
    Role.VIEWER: [
        "read catalog, suppliers, warehouses, stock levels, movements, orders, alerts",
        "sales orders: create as pending (a purchase request)",
    ],
}
