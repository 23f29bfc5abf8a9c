"""The contract's error shape: every error body has `status`, `code` and `detail`.

Domain code raises the exceptions below (or DRF's own); `exception_handler` turns all of them, plus Django's
`Http404`, `PermissionDenied`, `ValidationError`, `ProtectedError` and `SuspiciousOperation` (an oversized body
among them), into one JSON body. Anything unexpected becomes a 500 with the
same shape and no traceback (the traceback goes to the log).
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

logger = logging.getLogger("stockroom.errors")
# SimpleJWT's message for an expired token (tokens.Token, for the access and the refresh token alike).
_TOKEN_EXPIRED = _("Token is expired")


class DomainError(exceptions.APIException):
    """A business rule said no. Subclasses set the status and code; keyword arguments become extra body keys."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str | None = None, **extra):
        super().__init__(detail or self.default_detail, self.default_code)
        self.extra = extra


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
    """The contract's body. Extras (domain facts such as `current_status`) never replace the three keys."""
    return {**extra, "status": status_code, "code": code, "detail": detail}


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
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()

    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.exception("Unhandled error on %s", getattr(request, "path", "?"), exc_info=exc)
        set_rollback()
        body = error_body(500, "server_error", "A server error occurred. It has been logged.")
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)

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
            body["retry_after"] = int(exc.wait or 0) + 1 if exc.wait is not None else None
    set_rollback()
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
    if request.path.startswith("/api/"):
        body = error_body(500, "server_error", "A server error occurred. It has been logged.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error

    return server_error(request)
