"""The Idempotency-Key mechanism, on a minimal stock-changing route (tests/core/idempotency_urls.py).

The contract's own POST routes (adjustments, transfers, orders) are covered in their apps' tests.
"""

import threading
import time
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Product, Variant
from core.models import IdempotencyRecord
from stock.models import StockLevel, StockMovement

pytestmark = pytest.mark.urls("tests.core.idempotency_urls")
URL = "/api/add-stock/"


@pytest.fixture
def variant(org):
    product = Product.objects.create(organization=org, name="Widget")
    return Variant.objects.create(organization=org, product=product, sku="W-1")


def _level(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse).quantity


def test_a_repeated_request_replays_the_first_response_and_changes_stock_once(admin_client, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 5}

    first = admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-1")
    second = admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert _level(variant, warehouse) == 5
    assert StockMovement.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_changes_nothing(admin_client, variant, warehouse):
    admin_client.post(URL, {"variant": variant.id, "warehouse": warehouse.id, "quantity": 5}, HTTP_IDEMPOTENCY_KEY="k")

    response = admin_client.post(
        URL, {"variant": variant.id, "warehouse": warehouse.id, "quantity": 6}, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert _level(variant, warehouse) == 5


def test_the_same_key_on_another_route_is_422(admin_client, variant, warehouse):
    admin_client.post(URL, {"variant": variant.id, "warehouse": warehouse.id, "quantity": 5}, HTTP_IDEMPOTENCY_KEY="k")

    response = admin_client.post(f"{URL}accept/", {}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 422


def test_keys_belong_to_their_user(client_for, admin, manager, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 2}

    client_for(admin).post(URL, body, HTTP_IDEMPOTENCY_KEY="shared")
    response = client_for(manager).post(URL, body, HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert _level(variant, warehouse) == 4


def test_without_a_key_every_request_is_applied(admin_client, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 1}

    admin_client.post(URL, body)
    admin_client.post(URL, body)

    assert _level(variant, warehouse) == 2
    assert IdempotencyRecord.objects.count() == 0


def test_a_refused_request_releases_its_key_so_it_can_be_retried(admin_client):
    refused = admin_client.post(f"{URL}refuse/", {}, HTTP_IDEMPOTENCY_KEY="retry-me")

    assert refused.status_code == 409
    assert IdempotencyRecord.objects.filter(key="retry-me").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_whose_request_is_still_running_answers_409(admin, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 1, "slow": True}
    started, responses = threading.Event(), []

    def first():
        client = APIClient()
        client.force_authenticate(admin)
        started.set()
        responses.append(client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="busy"))
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    time.sleep(0.15)  # the first request sleeps 0.3 s inside its transaction
    client = APIClient()
    client.force_authenticate(admin)
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    thread.join()

    assert (second.status_code, second.json()["code"]) == (409, "idempotency_key_in_use")
    assert responses[0].status_code == 201
    assert _level(variant, warehouse) == 1


def test_an_in_progress_record_left_by_a_dead_request_is_reclaimed(admin_client, admin, variant, warehouse):
    # What a request killed mid-flight left behind before claims lived in the request's transaction.
    IdempotencyRecord.objects.create(
        user=admin, key="orphan", fingerprint="x", expires_at=timezone.now() + timedelta(hours=24)
    )
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 2}

    response = admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="orphan")

    assert response.status_code == 201
    assert _level(variant, warehouse) == 2
    assert IdempotencyRecord.objects.get(key="orphan").state == IdempotencyRecord.State.DONE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_whose_database_connection_died_is_reclaimed_at_once(admin, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 4, "slow": True}
    pids, responses = [], []

    def doomed():
        client = APIClient()
        client.force_authenticate(admin)
        responses.append(client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="doomed"))
        connection.close()

    def backend_pid_once_claimed():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cursor.fetchall()]

    thread = threading.Thread(target=doomed)
    thread.start()
    for _ in range(100):
        pids = backend_pid_once_claimed()
        if pids:
            break
        time.sleep(0.01)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pids[0]])
    thread.join()
    assert responses[0].status_code >= 500
    assert not IdempotencyRecord.objects.filter(key="doomed").exists()

    client = APIClient()
    client.force_authenticate(admin)
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="doomed")

    assert retry.status_code == 201
    assert not retry.has_header("Idempotent-Replayed")
    assert _level(variant, warehouse) == 4


def test_an_expired_key_is_forgotten(admin_client, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 1}
    admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="old")

    assert not response.has_header("Idempotent-Replayed")
    assert _level(variant, warehouse) == 2


def test_an_overlong_key_is_400(admin_client, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 1}

    response = admin_client.post(URL, body, HTTP_IDEMPOTENCY_KEY="x" * 256)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parallel_requests_with_one_key_apply_once(admin, variant, warehouse):
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 3, "slow": True}
    responses = []
    barrier = threading.Barrier(2)

    def post():
        client = APIClient()
        client.force_authenticate(admin)
        barrier.wait()
        responses.append(client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="parallel"))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 201]:
        assert any(r.has_header("Idempotent-Replayed") for r in responses)
    assert StockLevel.objects.get(variant=variant, warehouse=warehouse).quantity == 3
    assert StockMovement.objects.count() == 1


def _redis_down(*args, **kwargs):
    raise redis.exceptions.ConnectionError("Connection refused")


@pytest.mark.django_db(transaction=True)
def test_a_cache_failure_after_commit_answers_the_committed_response_and_keeps_the_key(
    admin, variant, warehouse, monkeypatch
):
    monkeypatch.setattr(cache, "incr", _redis_down)
    client = APIClient()
    client.force_authenticate(admin)
    body = {"variant": variant.id, "warehouse": warehouse.id, "quantity": 5}

    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="after-commit")
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="after-commit")

    assert first.status_code == 201
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert _level(variant, warehouse) == 5
    assert StockMovement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_any_failing_after_commit_hook_still_answers_the_committed_response(admin, variant, warehouse):
    client = APIClient()
    client.force_authenticate(admin)

    first = client.post(f"{URL}commit-then-fail/", {}, format="json", HTTP_IDEMPOTENCY_KEY="hook")
    retry = client.post(f"{URL}commit-then-fail/", {}, format="json", HTTP_IDEMPOTENCY_KEY="hook")

    assert first.status_code == 200
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.filter(key="hook", state=IdempotencyRecord.State.DONE).count() == 1
