"""Domain errors (`core.exceptions`) answer with the same bodies as the DRF exceptions of the same meaning.

Services raise domain errors and know nothing of HTTP; a client cannot tell which layer refused its request.
"""

import pytest
from rest_framework import exceptions

from core.exceptions import (
    AuthenticationRefused,
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    WrongOrganization,
    exception_handler,
)
from stock.exceptions import InsufficientStock

pytestmark = pytest.mark.django_db


def _answer(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


@pytest.mark.parametrize(
    "errors",
    [
        {"name": ["A category with this name already exists."]},
        {"items": [{}, {"quantity": ["Not enough."]}]},
        {"variants.1": {"sku": ["A variant with this SKU already exists."]}},
        "Give either quantity or counted_quantity.",
    ],
)
def test_invalid_input_is_answered_as_a_validation_error(errors):
    assert _answer(InvalidInput(errors)) == _answer(exceptions.ValidationError(errors))
    assert _answer(InvalidInput(errors))[0] == 400


def test_not_permitted_is_answered_as_permission_denied():
    message = "Only admins can approve transfers."

    assert _answer(NotPermitted(message)) == _answer(exceptions.PermissionDenied(message))
    assert _answer(NotPermitted()) == _answer(exceptions.PermissionDenied())


def test_refused_credentials_are_answered_as_authentication_failed():
    message = "No active account found with the given credentials."

    assert _answer(AuthenticationRefused(message)) == _answer(exceptions.AuthenticationFailed(message))
    assert _answer(AuthenticationRefused())[0] == 401


def test_an_invalid_input_reads_as_one_line_for_a_person():
    error = InvalidInput({"items": [{}, {"quantity": ["Not enough."]}], "non_field_errors": ["Check the order."]})

    assert error.message == "items.1.quantity: Not enough.; Check the order."
    assert Conflict("Busy.").message == "Busy."


def test_another_organizations_object_is_a_400_about_the_whole_body():
    status, body = _answer(WrongOrganization())

    assert status == 400
    assert body["errors"] == {"non_field_errors": ["Every object named must be in your organization."]}


def test_a_domain_error_keeps_its_status_code_and_extra_keys():
    error = InvalidTransition("This order is already received.", current_status="received")

    assert _answer(error) == (
        409,
        {
            "status": 409,
            "code": "invalid_transition",
            "detail": "This order is already received.",
            "current_status": "received",
        },
    )


def test_insufficient_stock_lists_every_short_line():
    line = {"variant": 1, "sku": "TEA", "warehouse": 2, "requested": 5, "available": 1}

    status, body = _answer(InsufficientStock([line]))

    assert (status, body["code"], body["lines"]) == (409, "insufficient_stock", [line])
    assert body["detail"] == "Not enough stock for: TEA (5 requested, 1 available)."


def test_domain_errors_are_not_drf_exceptions():
    # Services stay usable from commands and tasks: nothing they raise for a user's mistake belongs to DRF.
    for error in (DomainError, Conflict, InvalidInput, NotPermitted, AuthenticationRefused, InsufficientStock):
        assert not issubclass(error, exceptions.APIException)
    assert str(Conflict("Busy.")) == "Busy."


def test_extra_keys_never_replace_the_contract_keys():
    status, body = _answer(InvalidTransition("A completed transfer cannot be approved.", status="completed"))

    assert (status, body["status"], body["code"]) == (409, 409, "invalid_transition")
