"""Races on PostgreSQL with real threads and separate connections."""

import threading

import pytest
from django.db import connection

from core.exceptions import Conflict
from core.roles import Role
from tests.users.factories import UserFactory
from users import services
from users.models import PromotionRequest, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Run the calls at the same moment, each in its own thread and connection; return their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except Conflict:
            outcomes[index] = "conflict"
        except Exception as exc:  # any other failure (a deadlock, an integrity error) is a bug
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_admins_demoting_each_other_at_once_leave_the_organization_one_admin(org):
    first = UserFactory(organization=org, role=Role.ADMIN)
    second = UserFactory(organization=org, role=Role.ADMIN)

    for _ in range(5):
        User.objects.filter(pk__in=[first.pk, second.pk]).update(role=Role.ADMIN)

        outcomes = _race(
            lambda: services.user_update(user=second, by=first, role=Role.STAFF),
            lambda: services.user_update(user=first, by=second, role=Role.STAFF),
        )

        assert sorted(outcomes) == ["conflict", "ok"]
        assert User.objects.filter(organization=org, role=Role.ADMIN).count() == 1


def test_two_admins_dismissing_each_other_at_once_leave_the_organization_one_admin(org):
    first = UserFactory(organization=org, role=Role.ADMIN)
    second = UserFactory(organization=org, role=Role.ADMIN)

    outcomes = _race(
        lambda: services.user_dismiss(user=second, by=first),
        lambda: services.user_dismiss(user=first, by=second),
    )

    assert sorted(outcomes) == ["conflict", "ok"]
    assert User.objects.filter(organization=org, role=Role.ADMIN, is_active=True).count() == 1


def test_two_managers_proposing_the_same_staff_member_at_once_make_one_request(org, warehouse):
    staff = UserFactory(organization=org, role=Role.STAFF, warehouses=[warehouse])
    managers = [UserFactory(organization=org, role=Role.MANAGER, warehouses=[warehouse]) for _ in range(2)]

    outcomes = _race(*[lambda m=m: services.promotion_request_create(user=staff, by=m, reason="") for m in managers])

    assert sorted(outcomes) == ["conflict", "ok"]
    assert PromotionRequest.objects.filter(user=staff).count() == 1
