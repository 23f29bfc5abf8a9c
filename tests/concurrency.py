"""Helpers for concurrency tests: real threads, each on its own database connection."""

import threading
from collections import Counter

from django.db import connection
from rest_framework.test import APIClient


def run_together(count, call):
    """Run `call(index)` in `count` threads released at the same instant; return the results in index order.

    An exception in a thread is returned as the result, so it shows in the assertions instead of vanishing.
    Each thread closes its own connection, and a thread still running after two minutes fails the test (deadlock).
    """
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = call(index)
        except Exception as error:  # noqa: BLE001 - reported through `results`
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def client(user):
    """An API client authenticated as `user`, for use inside a thread."""
    api = APIClient()
    api.force_authenticate(user)
    return api


def statuses(responses):
    """Count responses by status code (an exception counts under its repr)."""
    return Counter(getattr(response, "status_code", repr(response)) for response in responses)


def outcome(call, refusals):
    """`"done"` when `call()` returns, else the name of the refusal it raised (one of `refusals`)."""
    try:
        call()
        return "done"
    except refusals as refusal:
        return type(refusal).__name__
