import threading

import pytest
from django.db import connection, transaction

from core.models import DocumentSequence
from core.numbering import next_number


@pytest.mark.django_db
def test_numbers_are_sequential_per_organization_and_prefix(org, other_org):
    with transaction.atomic():
        first = next_number(organization_id=org.id, prefix="PO")
        second = next_number(organization_id=org.id, prefix="PO")
        other_prefix = next_number(organization_id=org.id, prefix="SO")
        other_tenant = next_number(organization_id=other_org.id, prefix="PO")

    assert (first, second) == ("PO-00001", "PO-00002")
    assert other_prefix == "SO-00001"
    assert other_tenant == "PO-00001"


@pytest.mark.django_db
def test_a_rolled_back_creation_gives_its_number_back(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(organization_id=org.id, prefix="PO")
        raise RuntimeError("the order could not be created")

    with transaction.atomic():
        assert next_number(organization_id=org.id, prefix="PO") == "PO-00001"


@pytest.mark.django_db(transaction=True)
def test_next_number_outside_a_transaction_is_refused(org):
    with pytest.raises(RuntimeError):
        next_number(organization_id=org.id, prefix="PO")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_creators_get_distinct_consecutive_numbers(org):
    numbers, errors = [], []
    barrier = threading.Barrier(20)

    def create():
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(next_number(organization_id=org.id, prefix="SO"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"SO-{n:05d}" for n in range(1, 21)]
    assert DocumentSequence.objects.get(organization_id=org.id, prefix="SO").last_value == 20
