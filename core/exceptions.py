"""The contract's error shape: every error body has `status`, `code` and `detail`.

Services, selectors and tasks raise the domain errors below, never DRF's exceptions nor a `ValueError` for a user's
mistake: they know nothing of HTTP, so a command or a Celery task can call them and catch one family.
`exception_handler` turns them, DRF's own exceptions (raised by views, serializers and permission classes) and
Django's `Http404`, `PermissionDenied`, `ValidationError`, `ProtectedError` and `SuspiciousOperation` (an oversized
body among them) into one JSON body. A database that cannot be reached is a 503 `service_unavailable` (on every
route: `handler500` answers it too when it happens outside a DRF view). A domain error gets the same body as the DRF
exception of the same meaning (`InvalidInput` as a `ValidationError`, `NotPermitted` as a `PermissionDenied`,
`AuthenticationRefused` as an `AuthenticationFailed`).
Anything unexpected becomes a 500 with the same shape and no traceback (the traceback goes to the log).
"""

import logging
import math
import sys
from collections import Counter

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db.models import Model, ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_guid import get_guid
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

logger = logging.getLogger("stockroom.errors")
# SimpleJWT's message for an expired token (tokens.Token, for the access and the refresh token alike).
_TOKEN_EXPIRED = _("Token is expired")


class DomainError(Exception):
    """A business rule said no. Subclasses set the status and code; keyword arguments become extra body keys."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str | None = None, **extra):
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)

    def __str__(self) -> str:
        return str(self.detail)

    @property
    def message(self) -> str:
        """The refusal in one line, for a person reading an admin message or a command's output."""
        return str(self.detail)


class InvalidInput(DomainError):
    """The input breaks a rule only a service can check (uniqueness, a state of the database): a 400 with the
    errors by field, as a serializer's `ValidationError` would give it.

    `errors` is `{"field": ["message"]}`, nested as the body was (`{"items": {1: {"quantity": [...]}}}` or keys
    already joined, `"items.1.quantity"`); a bare message is about the whole body (`non_field_errors`).
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "validation_error"
    default_detail = "Invalid input."

    def __init__(self, errors: dict | list | str):
        self.errors = errors
        super().__init__(self.default_detail)
        self.detail = errors  # what DRF's ValidationError calls it: tests read it

    @property
    def message(self) -> str:
        errors = flatten_errors(self.errors)
        return "; ".join(
            message if field == "non_field_errors" else f"{field}: {message}"
            for field, messages in errors.items()
            for message in messages
        )


class NotPermitted(DomainError):
    """The user's role or warehouses do not allow this action: a 403."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class AuthenticationRefused(DomainError):
    """Wrong credentials, or an account that may not log in: a 401 `authentication_failed`, as DRF's
    `AuthenticationFailed` (with the view's `WWW-Authenticate` challenge).
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "authentication_failed"
    default_detail = "Incorrect authentication credentials."


class WrongOrganization(InvalidInput):
    """An object of another organization was named: a 400, as a missing one is to a serializer."""

    def __init__(self, message: str = "Every object named must be in your organization."):
        super().__init__({"non_field_errors": [message]})


class Conflict(DomainError):
    default_code = "conflict"


class InvalidTransition(DomainError):
    default_code = "invalid_transition"
    default_detail = "This status change is not allowed."


class Protected(DomainError):
    default_code = "protected"
    default_detail = "This object is still referred to and cannot be deleted."


class AccountPending(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "account_pending"
    default_detail = "Your account is waiting for approval by an administrator of your organization."


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class IdempotencyKeyInUse(DomainError):
    default_code = "idempotency_key_in_use"
    default_detail = "A request with this Idempotency-Key is still being processed."


class Gone(DomainError):
    status_code = status.HTTP_410_GONE
    default_code = "gone"
    default_detail = "This resource is no longer available."


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request could not be understood."


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def request_too_large() -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return RequestTooLarge(f"The request body is larger than {limit} bytes (REQUEST_BODY_MAX_BYTES).")


class ServiceUnavailable(exceptions.APIException):
    """The database cannot be reached, or gave up on the request (a lost connection, a deadlock, a timeout): the
    transaction was rolled back, and the same request may be sent again shortly.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "The database is unavailable or busy; nothing was changed. Try again shortly."
    wait = 5


_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    InvalidToken: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def flatten_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into `{"items.0.quantity": ["..."]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            if data:
                flat[prefix or "non_field_errors"] = [str(item) for item in data]
        else:
            for index, item in enumerate(data):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(data)]
    return flat


def _first_message(errors: dict[str, list[str]]) -> str:
    for field, messages in errors.items():
        if messages:
            return messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
    return "Invalid input."


def error_body(status_code: int, code: str, detail: str, **extra) -> dict:
    """The contract's body; extra keys add to it and never replace `status`, `code` or `detail`."""
    body = {"status": status_code, "code": code, "detail": detail}
    body.update((key, value) for key, value in extra.items() if key not in body)
    return body


def server_error_body() -> dict:
    """A 500's body: no traceback (that is in the log), the request id to quote, which every log line also has."""
    request_id = get_guid()
    detail = "A server error occurred. It has been logged."
    if request_id:
        detail += f" Quote request id {request_id} when you report it."
    return error_body(500, "server_error", detail, request_id=request_id)


def _code_for(exc: exceptions.APIException) -> str:
    for klass in type(exc).__mro__:
        if klass in _CODES:
            return _CODES[klass]
    return getattr(exc, "default_code", "error")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes the contract's error body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Protected(_protected_detail(exc))
    elif isinstance(exc, TokenError):
        exc = InvalidToken(str(exc))
    elif isinstance(exc, DjangoValidationError):  # model validation or a service's full_clean()
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):  # raised while DRF reads the body, so it reaches this handler
        exc = request_too_large()
    elif isinstance(exc, DatabaseOperationalError | DatabaseInterfaceError):
        logger.warning("Database unavailable on %s: %s", getattr(context.get("request"), "path", "?"), exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()

    if isinstance(exc, InvalidInput):
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, NotPermitted):
        exc = exceptions.PermissionDenied(exc.detail)
    elif isinstance(exc, AuthenticationRefused):
        exc = _authentication_failed(exc, context)
    elif isinstance(exc, DomainError):
        return _domain_response(exc)

    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.exception("Unhandled error on %s", getattr(request, "path", "?"), exc_info=exc)
        _set_rollback()
        return Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(_retry_after(exc.wait))

    code = _code_for(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        body = error_body(exc.status_code, code, _first_message(errors), errors=errors)
    else:
        detail = exc.detail
        if isinstance(detail, dict):  # SimpleJWT puts {"detail", "code", "messages"} here
            detail = _token_detail(detail)
        elif isinstance(detail, list):
            detail = " ".join(str(item) for item in detail)
        body = error_body(exc.status_code, code, str(detail), **getattr(exc, "extra", {}))
        if isinstance(exc, exceptions.Throttled):
            body["retry_after"] = _retry_after(exc.wait) if exc.wait is not None else None
    _set_rollback()
    response = Response(body, status=exc.status_code, headers=headers)
    return response


EXPIRED_TOKEN_DETAIL = (
    "The token has expired. Get a new access token from POST /api/auth/refresh/ with your refresh token, "
    "or log in again."
)


def _token_detail(detail: dict) -> str:
    """SimpleJWT's detail, except that an expired token says so (its own detail names no reason)."""
    expired = str(_TOKEN_EXPIRED)
    reasons = [str(message.get("message", "")) for message in detail.get("messages", []) if isinstance(message, dict)]
    if str(detail.get("detail", "")) == expired or expired in reasons:
        return EXPIRED_TOKEN_DETAIL
    return str(detail.get("detail", "Authentication failed."))


def _authentication_failed(exc: AuthenticationRefused, context) -> exceptions.AuthenticationFailed:
    """DRF's `AuthenticationFailed`, challenged as `APIView.handle_exception` does for its own (which it has done
    before this handler runs): the view's `WWW-Authenticate` header, or a 403 when the view has none.
    """
    failed = exceptions.AuthenticationFailed(exc.detail)
    view, request = context.get("view"), context.get("request")
    if view is not None and request is not None:
        header = view.get_authenticate_header(request)
        if header:
            failed.auth_header = header
        else:
            failed.status_code = status.HTTP_403_FORBIDDEN
    return failed


def _set_rollback() -> None:
    # Imported here: `rest_framework.views` loads the permission classes, and `core.permissions` raises errors of
    # this module.
    from rest_framework.views import set_rollback

    set_rollback()


def _domain_response(exc: DomainError) -> Response:
    _set_rollback()
    body = error_body(exc.status_code, exc.default_code, str(exc.detail), **exc.extra)
    return Response(body, status=exc.status_code)


def _protected_detail(exc: ProtectedError | RestrictedError) -> str:
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts: dict[str, int] = {}
    for obj in objects:
        name = str(obj._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + 1
    parts = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    return f"It cannot be deleted because it is still referred to by: {parts}."


# Django's own 400/404/500 handlers (a disallowed Host, URLs that match no route, errors outside DRF views): JSON
# under /api/, Django's pages elsewhere (admin).
def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(400, "bad_request", "The request could not be understood."), status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(404, "not_found", "Not found."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    error = sys.exc_info()[1]  # Django calls this inside its `except` clause
    if isinstance(error, DatabaseOperationalError | DatabaseInterfaceError):
        unavailable = ServiceUnavailable()
        body = error_body(unavailable.status_code, unavailable.default_code, str(unavailable.default_detail))
        return JsonResponse(body, status=unavailable.status_code, headers={"Retry-After": str(unavailable.wait)})
    if request.path.startswith("/api/"):
        return JsonResponse(server_error_body(), status=500)
    from django.views.defaults import server_error

    return server_error(request)


def protected_detail(obj: Model, exc: ProtectedError) -> str:
    """`Category "Snacks" cannot be deleted: 3 products still refer to it.`"""
    counts = Counter(type(other) for other in exc.protected_objects)
    parts = ", ".join(
        f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
        for model, count in sorted(counts.items(), key=lambda item: str(item[0]._meta.verbose_name))
    )
    verb = "refers" if sum(counts.values()) == 1 else "refer"
    return f'{str(obj._meta.verbose_name).capitalize()} "{obj}" cannot be deleted: {parts} still {verb} to it.'


def _retry_after(wait: float) -> int:
    """Whole seconds, rounded up and at least 1: DRF's `Throttled` already rounds up, and a window of 60 seconds
    must never say 61.
    """
    return max(1, math.ceil(wait))
