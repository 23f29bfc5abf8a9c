"""Who may see which dashboard, and what the routes answer to bad query strings."""

import pytest

ROUTES = [
    "/api/dashboard/",
    "/api/dashboard/low-stock/",
    "/api/dashboard/sales/",
    "/api/dashboard/top-products/",
    "/api/dashboard/trends/",
]
WAREHOUSE_SCOPED = ROUTES  # every route above takes ?warehouse=


def warehouse_url(warehouse) -> str:
    return f"/api/dashboard/warehouses/{warehouse.pk}/"


@pytest.mark.parametrize("role", ["staff", "viewer"])
@pytest.mark.parametrize("url", ROUTES)
def test_staff_and_viewers_are_refused(role, url, request, client_for):
    user = request.getfixturevalue(role)

    response = client_for(user).get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_are_refused_the_dashboard_of_their_own_warehouse(role, request, client_for, warehouse):
    response = client_for(request.getfixturevalue(role)).get(warehouse_url(warehouse))

    assert response.status_code == 403


@pytest.mark.parametrize("url", [*ROUTES, "/api/dashboard/warehouses/1/"])
def test_anonymous_callers_get_401(url, api_client, db):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", ROUTES)
def test_admin_and_manager_may_read(url, admin_client, manager_client):
    assert admin_client.get(url).status_code == 200
    assert manager_client.get(url).status_code == 200


@pytest.mark.parametrize("url", WAREHOUSE_SCOPED)
def test_a_manager_asking_for_a_warehouse_not_theirs_gets_403(url, manager_client, other_warehouse, warehouse):
    refused = manager_client.get(url, {"warehouse": other_warehouse.pk})
    allowed = manager_client.get(url, {"warehouse": warehouse.pk})

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert allowed.status_code == 200


@pytest.mark.parametrize("url", WAREHOUSE_SCOPED)
def test_another_organizations_warehouse_id_is_a_400(url, admin_client, foreign_warehouse):
    response = admin_client.get(url, {"warehouse": foreign_warehouse.pk})

    assert response.status_code == 400
    assert "warehouse" in response.json()["errors"]


def test_a_manager_is_refused_the_dashboard_of_a_warehouse_not_theirs(manager_client, other_warehouse):
    response = manager_client.get(warehouse_url(other_warehouse))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_dashboard_of_another_organizations_warehouse_is_404(admin_client, foreign_warehouse):
    response = admin_client.get(warehouse_url(foreign_warehouse))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_admin_sees_the_dashboard_of_any_warehouse_of_the_organization(admin_client, other_warehouse):
    assert admin_client.get(warehouse_url(other_warehouse)).status_code == 200


def test_a_manager_without_warehouses_sees_empty_figures(org, client_for, admin, warehouse):
    from core.roles import Role
    from tests.users.factories import UserFactory

    lonely = UserFactory(organization=org, username="lonely", role=Role.MANAGER)

    body = client_for(lonely).get("/api/dashboard/").json()

    assert body["counts"]["total_warehouses"] == 0
    assert body["stock"] == {"total_stock": 0, "total_reserved": 0, "total_available": 0}


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/dashboard/sales/", {"from": "2025-13-01"}, "from"),
        ("/api/dashboard/sales/", {"from": "20250101"}, "from"),
        ("/api/dashboard/sales/", {"from": "2025-1-5"}, "from"),
        ("/api/dashboard/sales/", {"to": "yesterday"}, "to"),
        ("/api/dashboard/sales/", {"to": "2025-02-30"}, "to"),
        ("/api/dashboard/sales/", {"from": "2025-03-02", "to": "2025-03-01"}, "from"),
        ("/api/dashboard/sales/", {"from": "2024-01-01", "to": "2025-01-01"}, "from"),  # 367 days
        ("/api/dashboard/sales/", {"to": "0001-01-05"}, "from"),  # 30 days before it do not exist
        ("/api/dashboard/sales/", {"to": "9999-12-31"}, "from"),
        ("/api/dashboard/sales/", {"warehouse": "main"}, "warehouse"),
        ("/api/dashboard/top-products/", {"from": "2025-03-01T00:00:00Z"}, "from"),
        ("/api/dashboard/top-products/", {"limit": "0"}, "limit"),
        ("/api/dashboard/top-products/", {"limit": "101"}, "limit"),
        ("/api/dashboard/top-products/", {"limit": "ten"}, "limit"),
        ("/api/dashboard/top-products/", {"by": "price"}, "by"),
        ("/api/dashboard/trends/", {"days": "0"}, "days"),
        ("/api/dashboard/trends/", {"days": "367"}, "days"),
        ("/api/dashboard/trends/", {"days": "-3"}, "days"),
        ("/api/dashboard/trends/", {"days": "x"}, "days"),
        ("/api/dashboard/low-stock/", {"warehouse": "999999999"}, "warehouse"),
        ("/api/dashboard/", {"warehouse": "0"}, "warehouse"),
    ],
)
def test_bad_query_strings_are_a_400_naming_the_field(url, params, field, admin_client):
    response = admin_client.get(url, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"], body


@pytest.mark.parametrize("days", ["0", "367", "many"])
def test_the_warehouse_dashboard_refuses_bad_days(days, admin_client, warehouse):
    response = admin_client.get(warehouse_url(warehouse), {"days": days})

    assert response.status_code == 400
    assert "days" in response.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-03-01", "to": "2025-02-28"},  # 365 days
        {"from": "2024-01-01", "to": "2024-12-31"},  # a leap year: 366 days
        {"from": "2025-03-01", "to": "2025-03-01"},
    ],
)
def test_ranges_up_to_366_days_are_accepted(params, admin_client):
    response = admin_client.get("/api/dashboard/sales/", params)

    assert response.status_code == 200
    assert response.json()["by_day"][0]["date"] == params["from"]
    assert response.json()["by_day"][-1]["date"] == params["to"]


def test_limits_at_the_edges_are_accepted(admin_client):
    assert admin_client.get("/api/dashboard/top-products/", {"limit": 1, "by": "revenue"}).status_code == 200
    assert admin_client.get("/api/dashboard/top-products/", {"limit": 100}).status_code == 200
    assert admin_client.get("/api/dashboard/trends/", {"days": 366}).status_code == 200
