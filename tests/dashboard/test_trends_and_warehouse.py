"""`GET /api/dashboard/trends/` and `GET /api/dashboard/warehouses/{id}/`, checked against the test's own books."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.dashboard.conftest import TODAY, days_ago
from tests.dashboard.helpers import moment, money
from tests.users.factories import UserFactory

TRENDS = "/api/dashboard/trends/"


def warehouse_url(warehouse) -> str:
    return f"/api/dashboard/warehouses/{warehouse.pk}/"


def expected_days(books, days: int, warehouse_ids=None):
    rows = []
    for offset in range(days - 1, -1, -1):
        day = TODAY - dt.timedelta(days=offset)
        moves = [m for m in books.moves if m.day == day and (warehouse_ids is None or m.warehouse_id in warehouse_ids)]
        units_in = sum(m.units for m in moves if m.direction == "in")
        units_out = sum(m.units for m in moves if m.direction == "out")
        rows.append({"date": day.isoformat(), "in": units_in, "out": units_out, "net": units_in - units_out})
    return rows


@pytest.fixture
def activity(org, warehouse, other_warehouse, admin, manager, staff, viewer, annex_staff, make_variant, books):
    """Movements and sales on chosen days in both warehouses, by several people, with quiet days between."""
    tea = make_variant("Tea", "2.00", "5.00", reorder_level=40)
    cake = make_variant("Cake", "3.00", "8.00", reorder_level=1)
    books.add(tea, warehouse, 50, by=admin, day=days_ago(45))  # outside a 30-day window
    books.add(cake, warehouse, 30, by=admin, day=days_ago(6))
    books.add(tea, other_warehouse, 20, by=admin, day=days_ago(6))
    books.adjust(tea, warehouse, -4, by=staff, day=days_ago(4))
    books.adjust(cake, warehouse, 2, by=staff, day=days_ago(4))
    books.sell(warehouse, [(tea, 3), (cake, 1)], by=staff, day=days_ago(2))
    request = books.request(warehouse, [(tea, 2), (cake, 2)], by=viewer, day=days_ago(2))
    books.fulfil(request, by=manager, day=TODAY)
    books.sell(other_warehouse, [(tea, 5)], by=annex_staff, day=TODAY)
    UserFactory(organization=org, username="idle_elsewhere", warehouses=[other_warehouse])
    return {"tea": tea, "cake": cake}


def test_trends_have_exactly_days_rows_ending_today_with_quiet_days_as_zeros(activity, books, admin_client, get):
    body = get(admin_client, TRENDS, days=7).json()

    assert body == expected_days(books, 7)
    assert [row["date"] for row in body][-1] == TODAY.isoformat()
    assert body[0] == {"date": days_ago(6).isoformat(), "in": 50, "out": 0, "net": 50}
    assert body[1] == {"date": days_ago(5).isoformat(), "in": 0, "out": 0, "net": 0}


def test_trends_default_to_30_days(activity, books, admin_client, get):
    body = get(admin_client, TRENDS).json()

    assert len(body) == 30
    assert body == expected_days(books, 30)


def test_trends_of_one_day_and_of_a_leap_year(activity, books, admin_client, get):
    assert get(admin_client, TRENDS, days=1).json() == expected_days(books, 1)
    year = get(admin_client, TRENDS, days=366).json()
    assert len(year) == 366
    assert year == expected_days(books, 366)


def test_manager_trends_cover_only_their_warehouses(activity, books, manager_client, get, warehouse):
    assert get(manager_client, TRENDS, days=10).json() == expected_days(books, 10, {warehouse.pk})


def test_trends_split_days_at_midnight_utc(org, admin, admin_client, get, warehouse, make_variant, books):
    tea = make_variant("Tea", "1.00", "2.00")
    books.add(tea, warehouse, 3, by=admin, day=days_ago(1), at=dt.time(23, 59, 59))
    books.add(tea, warehouse, 5, by=admin, day=TODAY, at=dt.time(0, 0, 0))

    body = get(admin_client, TRENDS, days=2).json()

    assert [(row["date"], row["in"]) for row in body] == [(days_ago(1).isoformat(), 3), (TODAY.isoformat(), 5)]


def test_trends_end_on_the_current_utc_day(org, admin, admin_client, get, warehouse, make_variant, books):
    tea = make_variant("Tea", "1.00", "2.00")
    books.add(tea, warehouse, 3, by=admin, day=TODAY, at=dt.time(0, 30))

    body = get(admin_client, TRENDS, at=moment(TODAY, dt.time(23, 59)), days=1).json()
    next_day = get(admin_client, TRENDS, at=moment(TODAY + dt.timedelta(days=1), dt.time(0, 1)), days=1).json()

    assert body == [{"date": TODAY.isoformat(), "in": 3, "out": 0, "net": 3}]
    assert next_day == [{"date": (TODAY + dt.timedelta(days=1)).isoformat(), "in": 0, "out": 0, "net": 0}]


def expected_staff_activity(books, warehouse, assigned_users, *, start, users):
    counts = {}
    for move in books.moves:
        if move.warehouse_id == warehouse.pk and move.day >= start and move.user_id is not None:
            counts.setdefault(move.user_id, [0, 0])[0] += 1
    fulfilled = {sale.order_id for sale in books.sales if sale.warehouse_id == warehouse.pk and sale.day >= start}
    for order_id in fulfilled:
        counts.setdefault(books.fulfilled_by[order_id], [0, 0])[1] += 1
    for user in assigned_users:
        counts.setdefault(user.pk, [0, 0])
    rows = [
        {"user": pk, "username": users[pk].username, "movements": moves, "sales_orders": orders}
        for pk, (moves, orders) in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["movements"], -row["sales_orders"], row["username"]))


def test_warehouse_dashboard(activity, books, admin_client, get, warehouse, admin, manager, staff, viewer):
    response = get(admin_client, warehouse_url(warehouse), days=7)

    assert response.status_code == 200
    body = response.json()
    holdings = {key: units for key, units in books.on_hand.items() if key[1] == warehouse.pk}
    variants = {v.pk: v for v in activity.values()}
    assert (body["warehouse"], body["warehouse_name"], body["warehouse_code"]) == (warehouse.pk, "Main", "MAIN")
    assert (body["from"], body["to"]) == (days_ago(6).isoformat(), TODAY.isoformat())
    assert body["total_stock"] == sum(holdings.values())
    assert body["inventory_value"] == money(
        sum((units * variants[v].cost for (v, _), units in holdings.items()), Decimal(0))
    )
    assert body["movements_by_day"] == expected_days(books, 7, {warehouse.pk})
    users = {user.pk: user for user in (admin, manager, staff, viewer)}
    assert body["staff_activity"] == expected_staff_activity(
        books, warehouse, [manager, staff, viewer], start=days_ago(6), users=users
    )


def test_warehouse_staff_activity_worked_out_by_hand(activity, admin_client, get, warehouse):
    body = get(admin_client, warehouse_url(warehouse), days=7).json()

    assert body["staff_activity"] == [
        # two adjustments and a two-line sale
        {"user": body["staff_activity"][0]["user"], "username": "staff", "movements": 4, "sales_orders": 1},
        # the viewer's request, approved: two lines
        {"user": body["staff_activity"][1]["user"], "username": "manager", "movements": 2, "sales_orders": 1},
        # opening stock of cake six days ago (the tea opened 45 days ago is outside the window)
        {"user": body["staff_activity"][2]["user"], "username": "admin", "movements": 1, "sales_orders": 0},
        # assigned, asked for an order, moved nothing
        {"user": body["staff_activity"][3]["user"], "username": "viewer", "movements": 0, "sales_orders": 0},
    ]


def test_warehouse_dashboard_lists_its_low_levels(activity, admin_client, get, warehouse, other_warehouse):
    main = get(admin_client, warehouse_url(warehouse)).json()
    annex = get(admin_client, warehouse_url(other_warehouse)).json()

    # Tea at main: 50 − 4 − 3 − 2 = 41 > 40; cake: 30 + 2 − 1 − 2 = 29 > 1. Tea at the annex: 20 − 5 = 15 <= 40.
    assert (main["low_stock_count"], main["low_stock"]) == (0, [])
    assert annex["low_stock_count"] == 1
    assert [(row["sku"], row["quantity"]) for row in annex["low_stock"]] == [(activity["tea"].sku, 15)]
    assert [row["username"] for row in annex["staff_activity"]] == [
        "annex_staff",
        "admin",
        "idle_elsewhere",
    ]  # ties: more sales first


def test_manager_sees_the_dashboard_of_their_warehouse(activity, manager_client, get, warehouse):
    assert get(manager_client, warehouse_url(warehouse)).status_code == 200
