"""`/api/stock-movements/` cursor pagination: newest first by (-created_at, -id), each movement exactly once."""

from base64 import b64decode, b64encode
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from stock.models import Reason, StockMovement
from stock.services import StockChange, stock_add
from tests.stock.helpers import put_stock

pytestmark = pytest.mark.django_db

MOVEMENTS = "/api/stock-movements/"


# Three timestamps, one with no microseconds (str() of it has no fraction) and two with; 15 movements each, given
# round-robin so that id order and time order disagree: only (-created_at, -id) puts them in the expected order.
SHARED_STAMPS = (
    datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
    datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 3, 2, 8, 30, 1, 5, tzinfo=UTC),
)


def _ledger_with_shared_timestamps(variant, warehouse, count=45) -> list[int]:
    """`count` movements sharing the three SHARED_STAMPS; their ids newest first, (-created_at, -id)."""
    ids = [put_stock(variant, warehouse, 1).pk for _ in range(count)]
    for index, stamp in enumerate(SHARED_STAMPS):
        StockMovement.objects.filter(pk__in=ids[index::3]).update(created_at=stamp)
    return sorted(ids, key=lambda pk: (SHARED_STAMPS[ids.index(pk) % 3], pk), reverse=True)


def _pages(client, url, link: str) -> list[list[int]]:
    """The ids of every page from `url` on, following `link` ("next" or "previous") until there is none."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages


def _cursor(link: str) -> dict[str, list[str]]:
    return parse_qs(b64decode(parse_qs(urlsplit(link).query)["cursor"][0]).decode())


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "warehouse-and-created_before"])
def test_movements_sharing_timestamps_page_each_exactly_once_forwards_and_backwards(
    viewer_client, variant, warehouse, other_warehouse, filtered
):
    expected = _ledger_with_shared_timestamps(variant, warehouse)
    put_stock(variant, other_warehouse, 1)  # newer, and filtered out by both filters
    params = f"&warehouse={warehouse.pk}&created_before=2025-03-02" if filtered else ""
    if not filtered:
        expected = [StockMovement.objects.get(warehouse=other_warehouse).pk, *expected]

    forwards = _pages(viewer_client, f"{MOVEMENTS}?page_size=10{params}", "next")
    last = viewer_client.get(f"{MOVEMENTS}?page_size=10{params}")
    for _ in forwards[1:]:
        last = viewer_client.get(last.json()["next"])
    backwards = _pages(viewer_client, last.json()["previous"], "previous")

    assert [pk for page in forwards for pk in page] == expected
    assert all(len(page) == 10 for page in forwards[:-1])
    assert [pk for page in [*reversed(backwards), forwards[-1]] for pk in page] == expected
    assert [*reversed(backwards), forwards[-1]] == forwards  # each previous link gives back the same page


def test_a_previous_link_from_the_middle_of_a_run_of_equal_timestamps_gives_the_page_before(
    viewer_client, variant, warehouse
):
    expected = _ledger_with_shared_timestamps(variant, warehouse)
    first = viewer_client.get(MOVEMENTS, {"page_size": 7}).json()
    second = viewer_client.get(first["next"]).json()
    third = viewer_client.get(second["next"]).json()

    back_to_second = viewer_client.get(third["previous"]).json()
    back_to_first = viewer_client.get(back_to_second["previous"]).json()

    assert [row["id"] for row in third["results"]] == expected[14:21]
    assert back_to_second["results"] == second["results"]
    assert back_to_first["results"] == first["results"]
    assert back_to_first["previous"] is None
    assert viewer_client.get(back_to_first["next"]).json()["results"] == second["results"]


def test_the_cursor_holds_the_last_rows_timestamp_to_the_microsecond_and_its_id(viewer_client, variant, warehouse):
    expected = _ledger_with_shared_timestamps(variant, warehouse, count=6)  # two at each timestamp

    pages = [viewer_client.get(MOVEMENTS, {"page_size": 1}).json()]
    while pages[-1]["next"]:
        pages.append(viewer_client.get(pages[-1]["next"]).json())

    assert [page["results"][0]["id"] for page in pages] == expected
    positions = [(_cursor(page["next"])["p"][0], int(_cursor(page["next"])["i"][0])) for page in pages[:-1]]
    assert positions == [
        ("2025-03-02T08:30:01.000005+00:00", expected[0]),
        ("2025-03-02T08:30:01.000005+00:00", expected[1]),
        ("2025-03-01T12:00:00.123456+00:00", expected[2]),
        ("2025-03-01T12:00:00.123456+00:00", expected[3]),
        ("2025-03-01T12:00:00+00:00", expected[4]),
    ]
    assert [page["results"][0]["created_at"] for page in pages[3:5]] == [
        "2025-03-01T12:00:00.123456Z",
        "2025-03-01T12:00:00Z",
    ]


def test_movements_are_listed_by_time_then_id_not_by_id_alone(viewer_client, variant, warehouse):
    older = put_stock(variant, warehouse, 1)
    newer = put_stock(variant, warehouse, 1)
    restamped = put_stock(variant, warehouse, 1)
    StockMovement.objects.filter(pk=restamped.pk).update(created_at=older.created_at - timedelta(seconds=1))

    listed = [row["id"] for row in viewer_client.get(MOVEMENTS).json()["results"]]

    assert listed == [newer.pk, older.pk, restamped.pk]


def test_movements_one_call_writes_at_one_instant_list_in_reverse_balance_order(
    viewer_client, org, variant, warehouse, monkeypatch
):
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # every movement of the call gets the same timestamp
    stock_add(
        organization_id=org.pk,
        changes=[StockChange(variant.pk, warehouse.pk, quantity) for quantity in (1, 2, 3, 4, 5)],
        reason=Reason.ADJUSTMENT,
    )
    monkeypatch.undo()

    pages = _pages(viewer_client, f"{MOVEMENTS}?page_size=2", "next")

    balances = dict(StockMovement.objects.values_list("id", "balance_after"))
    assert len(set(StockMovement.objects.values_list("created_at", flat=True))) == 1
    assert [balances[pk] for page in pages for pk in page] == [15, 10, 6, 3, 1]  # the running balance backwards


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        b64encode(b"p=123").decode(),  # a cursor of the -id ordering this list had before
        b64encode(b"p=2025-03-01T12:00:00&i=5").decode(),  # a naive timestamp
        b64encode(b"p=2025-03-01T12:00:00%2B00:00&i=five").decode(),
        b64encode(b"p=yesterday&i=5").decode(),
    ],
)
def test_a_cursor_that_is_not_one_of_ours_is_404(viewer_client, cursor):
    response = viewer_client.get(MOVEMENTS, {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
