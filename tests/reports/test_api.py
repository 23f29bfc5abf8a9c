"""The stock-movement report route: files, periods, filters, roles and errors."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import at, download, make_variant, many_movements, move, pdf_pages
from tests.warehouses.factories import WarehouseFactory

URL = reverse("reports:report-stock-movements")

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(download(response).decode("utf-8"))))


@pytest.fixture
def march(org, warehouse, other_warehouse, mug, tee, admin, manager):
    """Movements in March 2025 in both warehouses, plus neighbours just outside the month."""
    return {
        "before": move(mug, warehouse, 7, at("2025-02-28 23:59:59"), by=admin),
        "first": move(mug, warehouse, 10, at("2025-03-01 00:00:00"), by=admin),
        "sold": move(mug, warehouse, -3, at("2025-03-14 12:30:00"), by=manager, reason="sale"),
        "tee": move(tee, warehouse, 5, at("2025-03-31 23:59:59"), by=admin, reason="purchase"),
        "annex": move(mug, other_warehouse, 20, at("2025-03-10 08:00:00"), by=admin),
        "after": move(mug, warehouse, 4, at("2025-04-01 00:00:00"), by=admin),
    }


# --- PDF -------------------------------------------------------------------------------------------------------


def test_monthly_pdf_names_the_organization_the_period_and_the_totals(admin_client, march):
    response = admin_client.get(URL, {"period": "monthly", "date": "2025-03-14", "format": "pdf"})

    content = download(response)
    assert response["Content-Type"] == "application/pdf"
    assert content.startswith(b"%PDF")
    text = " ".join(pdf_pages(content))
    assert "Acme" in text
    assert "2025-03-01 – 2025-03-31" in text
    assert "All warehouses" in text
    # Totals: 4 movements (10 + 5 + 20 in, 3 out), outside neighbours excluded.
    assert re.search(r"Movements Units in Units out Net 4 35 3 \+32", text), text[:800]
    # The per-product summary: one row per SKU with its in, out and net.
    assert re.search(r"Coffee mug MUG-01 30 3 \+27", text)
    assert re.search(r"T-shirt TEE-01 5 0 \+5", text)


def test_pdf_lists_each_movement_with_who_did_it(admin_client, march):
    response = admin_client.get(URL, {"period": "monthly", "date": "2025-03-14"})

    text = " ".join(pdf_pages(download(response)))
    assert "2025-03-14 12:30 MUG-01 Coffee mug Main OUT sale 3 14 manager" in text
    assert "2025-03-10 08:00 MUG-01 Coffee mug Annex IN adjustment 20 20 admin" in text
    assert "2025-02-28" not in text.split("Movements", 2)[-1]


def test_a_thousand_movements_fill_several_pages_each_with_the_header_and_a_page_number(
    admin_client, org, warehouse, admin
):
    variants = [make_variant(org, f"SKU-{n:02d}", f"Product {n:02d}") for n in range(10)]
    many_movements(variants, warehouse, 1000, at("2025-06-02 00:00"), by=admin)

    response = admin_client.get(URL, {"period": "monthly", "date": "2025-06-15", "format": "pdf"})

    pages = pdf_pages(download(response))
    assert len(pages) >= 10
    header = "Date/time (UTC) SKU Product Warehouse Type Reason Quantity Balance after Performed by"
    first_table_page = next(index for index, page in enumerate(pages) if header in page)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number}" in page
        if number - 1 >= first_table_page:
            assert header in page, f"page {number} has no table header"
    listed = sum(len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d SKU-\d\d ", page)) for page in pages)
    assert listed == 1000
    assert re.search(r"Movements Units in Units out Net 1,000 1,000 0 \+1,000", pages[0])


def test_a_period_without_movements_still_makes_a_pdf(admin_client, march):
    response = admin_client.get(URL, {"period": "daily", "date": "2025-03-02"})

    pages = pdf_pages(download(response))
    assert len(pages) == 1
    assert "No movements in this period." in pages[0]
    assert "Page 1" in pages[0]


def test_pdf_is_the_default_format_and_downloads_as_an_attachment(admin_client, march):
    response = admin_client.get(URL, {"period": "weekly", "date": "2025-03-14"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="stock-movements-weekly-2025-03-10.pdf"'


def test_the_pdf_is_returned_when_the_client_accepts_only_pdf(admin_client, march):
    response = admin_client.get(
        URL, {"period": "monthly", "date": "2025-03-01", "format": "pdf"}, HTTP_ACCEPT="application/pdf"
    )

    assert download(response).startswith(b"%PDF")


# --- CSV -------------------------------------------------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_movement_of_the_period(admin_client, march, other_org):
    foreign = make_variant(other_org, "MUG-01", "Their mug")
    move(foreign, WarehouseFactory(organization=other_org), 9, at("2025-03-05 09:00"))

    response = admin_client.get(URL, {"period": "monthly", "date": "2025-03-31", "format": "csv"})

    rows = csv_rows(response)
    assert response["Content-Disposition"] == 'attachment; filename="stock-movements-monthly-2025-03-01.csv"'
    assert [int(row["id"]) for row in rows] == [
        march[key].pk for key in ("first", "annex", "sold", "tee")
    ]  # oldest first
    sold = rows[2]
    assert sold == {
        "id": str(march["sold"].pk),
        "created_at": "2025-03-14T12:30:00+00:00",
        "sku": "MUG-01",
        "product": "Coffee mug",
        "warehouse": "Main",
        "warehouse_code": "MAIN",
        "movement_type": "OUT",
        "reason": "sale",
        "quantity": "3",
        "balance_after": "14",
        "unit_cost": "4.00",
        "reference_type": "",
        "reference_id": "",
        "performed_by": "manager",
    }


def test_csv_streams_in_chunks_rather_than_one_body(admin_client, org, warehouse, admin):
    many_movements([make_variant(org, "BULK-1")], warehouse, 1200, at("2025-05-01 08:00"), by=admin)

    response = admin_client.get(URL, {"period": "monthly", "date": "2025-05-01", "format": "csv"})

    assert response.streaming
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3  # 500 rows a chunk
    assert b"".join(chunks).decode().count("\n") == 1 + 1200


def test_csv_header_comes_first_even_when_nothing_moved(admin_client, march):
    response = admin_client.get(URL, {"period": "daily", "date": "2025-03-02", "format": "csv"})

    lines = download(response).decode().splitlines()
    assert lines == [
        "id,created_at,sku,product,warehouse,warehouse_code,movement_type,reason,quantity,balance_after,"
        "unit_cost,reference_type,reference_id,performed_by"
    ]


def test_weekly_period_runs_monday_to_sunday(admin_client, mug, warehouse):
    outside = [move(mug, warehouse, 1, at("2025-03-09 23:59:59")), move(mug, warehouse, 1, at("2025-03-17 00:00"))]
    inside = [move(mug, warehouse, 1, at("2025-03-10 00:00")), move(mug, warehouse, 1, at("2025-03-16 23:59:59"))]

    response = admin_client.get(URL, {"period": "weekly", "date": "2025-03-13", "format": "csv"})

    ids = {int(row["id"]) for row in csv_rows(response)}
    assert ids == {movement.pk for movement in inside}
    assert not ids & {movement.pk for movement in outside}


def test_daily_period_defaults_to_today(admin_client, mug, warehouse):
    today = move(mug, warehouse, 2, timezone.now())
    move(mug, warehouse, 1, timezone.now() - timezone.timedelta(days=1))

    response = admin_client.get(URL, {"period": "daily", "format": "csv"})

    assert [int(row["id"]) for row in csv_rows(response)] == [today.pk]


def test_empty_parameters_count_as_not_given(admin_client, mug, warehouse):
    today = move(mug, warehouse, 2, timezone.now())

    response = admin_client.get(
        URL, {"period": "daily", "date": "", "warehouse": "", "product": "", "reason": "", "format": "csv"}
    )

    assert [int(row["id"]) for row in csv_rows(response)] == [today.pk]


def test_warehouse_filter_keeps_that_warehouse_only(admin_client, march, other_warehouse):
    response = admin_client.get(
        URL, {"period": "monthly", "date": "2025-03-01", "format": "csv", "warehouse": other_warehouse.pk}
    )

    assert [int(row["id"]) for row in csv_rows(response)] == [march["annex"].pk]
    assert response["Content-Disposition"].endswith('-2025-03-01-annex.csv"')


def test_product_variant_and_reason_filters_narrow_the_rows(admin_client, march, mug, tee):
    def ids(**filters):
        response = admin_client.get(URL, {"period": "monthly", "date": "2025-03-01", "format": "csv", **filters})
        return [int(row["id"]) for row in csv_rows(response)]

    assert ids(product=tee.product_id) == [march["tee"].pk]
    assert ids(variant=mug.pk) == [march[key].pk for key in ("first", "annex", "sold")]
    assert ids(reason="sale") == [march["sold"].pk]


def test_filters_are_printed_in_the_pdf(admin_client, march, mug, warehouse):
    response = admin_client.get(
        URL,
        {"period": "monthly", "date": "2025-03-01", "warehouse": warehouse.pk, "variant": mug.pk, "reason": "sale"},
    )

    text = pdf_pages(download(response))[0]
    assert "Warehouses Main (MAIN)" in text
    assert "Variant MUG-01" in text
    assert "Reason sale" in text
    assert re.search(r"Movements Units in Units out Net 1 0 3 -3", text)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(admin_client, org, warehouse):
    risky = make_variant(org, "=HYPERLINK(1)", "@SUM(A1)")
    move(risky, warehouse, 1, at("2025-03-05 10:00"))

    response = admin_client.get(URL, {"period": "daily", "date": "2025-03-05", "format": "csv"})

    (row,) = csv_rows(response)
    assert (row["sku"], row["product"]) == ("'=HYPERLINK(1)", "'@SUM(A1)")


def test_report_queries_do_not_grow_with_the_number_of_movements(
    admin_client, org, warehouse, admin, django_assert_max_num_queries
):
    variants = [make_variant(org, f"V{n}") for n in range(3)]
    many_movements(variants, warehouse, 5, at("2025-05-01 10:00"), by=admin)
    params = {"period": "monthly", "date": "2025-05-01"}

    with django_assert_max_num_queries(8):
        download(admin_client.get(URL, {**params, "format": "pdf"}))
    many_movements(variants, warehouse, 300, at("2025-05-02 10:00"), by=admin)
    with django_assert_max_num_queries(8):
        download(admin_client.get(URL, {**params, "format": "pdf"}))
    with django_assert_max_num_queries(4):
        download(admin_client.get(URL, {**params, "format": "csv"}))


# --- Roles -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["staff_client", "viewer_client"])
def test_staff_and_viewers_may_not_download_reports(request, role_client, march):
    client = request.getfixturevalue(role_client)

    response = client.get(URL, {"period": "monthly", "date": "2025-03-01", "format": "csv"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_callers_get_401(api_client):
    response = api_client.get(URL, {"period": "monthly"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_manager_report_covers_own_warehouses_only(manager_client, march):
    response = manager_client.get(URL, {"period": "monthly", "date": "2025-03-01", "format": "csv"})

    assert {row["warehouse"] for row in csv_rows(response)} == {"Main"}
    pdf = pdf_pages(download(manager_client.get(URL, {"period": "monthly", "date": "2025-03-01"})))[0]
    assert "Warehouses Main (MAIN) (your warehouses)" in pdf
    assert re.search(r"Movements Units in Units out Net 3 15 3 \+12", pdf)


def test_a_manager_may_name_an_own_warehouse(manager_client, march, warehouse):
    response = manager_client.get(
        URL, {"period": "monthly", "date": "2025-03-01", "format": "csv", "warehouse": warehouse.pk}
    )

    assert len(csv_rows(response)) == 3


def test_a_manager_asking_for_another_warehouse_gets_403(manager_client, march, other_warehouse):
    response = manager_client.get(URL, {"period": "monthly", "date": "2025-03-01", "warehouse": other_warehouse.pk})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"


def test_a_manager_without_warehouses_gets_an_empty_report(client_for, org, march):
    from core.roles import Role
    from tests.users.factories import UserFactory

    lonely = UserFactory(organization=org, role=Role.MANAGER)

    response = client_for(lonely).get(URL, {"period": "monthly", "date": "2025-03-01", "format": "csv"})

    assert csv_rows(response) == []


def test_another_organizations_warehouse_is_a_bad_request(admin_client, foreign_warehouse):
    response = admin_client.get(URL, {"period": "monthly", "warehouse": foreign_warehouse.pk})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["warehouse"]


def test_another_organizations_product_or_variant_is_a_bad_request(admin_client, other_org):
    foreign = make_variant(other_org, "THEIRS")

    response = admin_client.get(URL, {"period": "monthly", "product": foreign.product_id, "variant": foreign.pk})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"product", "variant"}


# --- Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "period"),
        ({"period": "yearly"}, "period"),
        ({"period": "daily", "date": "2025-13-01"}, "date"),
        ({"period": "daily", "date": "01/03/2025"}, "date"),
        ({"period": "weekly", "date": "9999-12-30"}, "date"),
        ({"period": "monthly", "date": "9999-12-31"}, "date"),
        ({"period": "daily", "format": "xlsx"}, "format"),
        ({"period": "daily", "warehouse": "main"}, "warehouse"),
        ({"period": "daily", "warehouse": "999999"}, "warehouse"),
        ({"period": "daily", "warehouse": str(2**70)}, "warehouse"),
        ({"period": "daily", "variant": "-1"}, "variant"),
        ({"period": "daily", "reason": "theft"}, "reason"),
    ],
)
def test_bad_parameters_answer_400_in_the_error_shape(admin_client, params, field):
    response = admin_client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["code"]) == (400, "validation_error")
    assert list(body["errors"]) == [field]
    assert body["detail"]


@pytest.mark.parametrize("file_format", ["pdf", "csv"])
def test_errors_are_json_whatever_format_or_accept_is_asked_for(admin_client, file_format):
    response = admin_client.get(
        URL, {"period": "fortnightly", "format": file_format}, HTTP_ACCEPT=f"application/{file_format}"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"period": ['"fortnightly" is not a valid choice.']}


def test_write_methods_are_not_allowed(admin_client):
    response = admin_client.post(URL, {"period": "daily"})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_pdf_keeps_accents_brackets_and_backslashes_in_names(admin_client, org, warehouse):
    accented = make_variant(org, "CRÈME-1", "Crème brûlée")
    bracketed = make_variant(org, "MUG-(L)", r"Mug (large) \ blue")
    move(accented, warehouse, 1, at("2025-03-05 10:00"))
    move(bracketed, warehouse, 2, at("2025-03-05 11:00"))

    pages = pdf_pages(download(admin_client.get(URL, {"period": "daily", "date": "2025-03-05"})))

    movements = pages[-1]
    assert "2025-03-05 10:00 CRÈME-1 Crème brûlée Main IN adjustment 1 1" in movements
    assert r"2025-03-05 11:00 MUG-(L) Mug (large) \ blue Main IN adjustment 2 2" in movements


def test_long_names_are_cut_to_their_column(admin_client, org, warehouse):
    wordy = make_variant(org, "LONG-1", "An extraordinarily long product name " * 4)
    move(wordy, warehouse, 1, at("2025-03-05 10:00"))

    movements = pdf_pages(download(admin_client.get(URL, {"period": "daily", "date": "2025-03-05"})))[-1]

    assert re.search(r"LONG-1 An extraordinarily long product name An extra[\w ]*… Main IN", movements), movements
