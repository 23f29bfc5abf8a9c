"""Random sequences of adjustments, counts, transfers and their decisions keep the ledger exact after every step."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.stock.machine import LedgerMachine

MACHINE_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.django_db
def test_random_stock_operations_keep_every_level_equal_to_its_movements():
    run_state_machine_as_test(LedgerMachine, settings=MACHINE_SETTINGS)
