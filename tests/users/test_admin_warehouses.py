"""The admin edits a user's own warehouses on the user's page, though the assignment is declared by the warehouse
(users sits below warehouses): the page shows the current ones and saving changes them.
"""

import pytest
from django.urls import reverse

from core.roles import Role
from tests.users.factories import UserFactory
from tests.warehouses.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


def test_the_user_page_shows_and_changes_the_users_warehouses(site_client, org):
    kept, added = WarehouseFactory(organization=org, name="Kept"), WarehouseFactory(organization=org, name="Added")
    dropped = WarehouseFactory(organization=org, name="Dropped")
    user = UserFactory(organization=org, role=Role.STAFF)
    user.warehouses.set([kept, dropped])
    url = reverse("admin:users_user_change", args=[user.pk])

    form = site_client.get(url).context["adminform"].form
    assert set(form.initial["warehouses"]) == {kept.pk, dropped.pk}
    data = {
        name: value for name, value in form.initial.items() if value is not None and name not in ("password", "avatar")
    }
    data.update(
        {"warehouses": [kept.pk, added.pk], "groups": [], "user_permissions": [], "date_joined_0": "2026-01-01"}
    )
    data.update({"date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "", "organization": org.pk})
    response = site_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(user.warehouses.values_list("pk", flat=True)) == {kept.pk, added.pk}


def test_adding_a_user_in_the_admin_assigns_warehouses(site_client, org):
    warehouse = WarehouseFactory(organization=org)

    response = site_client.post(
        reverse("admin:users_user_add"),
        {
            "username": "newcomer",
            "password1": "a-Long-and-unusual-passw0rd",
            "password2": "a-Long-and-unusual-passw0rd",
            "usable_password": "true",
            "organization": org.pk,
            "role": Role.STAFF,
            "warehouses": [warehouse.pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(warehouse.assigned_users.values_list("username", flat=True)) == ["newcomer"]
