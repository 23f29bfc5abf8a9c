"""Every error answered under `/api/` has the contract's JSON shape, whatever the configuration.

DRF views already answer errors through `core.exceptions.exception_handler`, and with `DEBUG` off Django's
`handler404`/`handler500` do the same for URLs that match no route. What is left is answered by Django itself in
HTML: with `DEBUG` on, an unknown URL (the technical 404 page) or a crash outside DRF (the technical 500 page); and a
`405` from a plain Django view. This middleware replaces such a response with the JSON body for its status, keeping
its headers that matter to a client (`Allow`, `Retry-After`, `WWW-Authenticate`).
"""

from http import HTTPStatus

from django.http import JsonResponse
from rest_framework.response import Response

from core.exceptions import error_body

API_PREFIX = "/api/"
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed on this route."),
    413: ("request_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "This media type is not supported."),
    500: ("server_error", "A server error occurred. It has been logged."),
}


class ApiErrorShapeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and not isinstance(response, Response)  # DRF's went through the exception handler (any renderer)
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            return _json_error(response)
        return response


def _json_error(response):
    status = response.status_code
    code, detail = _CODES.get(status, ("server_error" if status >= 500 else "error", _reason(status)))
    replacement = JsonResponse(error_body(status, code, detail), status=status)
    for header in _KEPT_HEADERS:
        if response.has_header(header):
            replacement[header] = response[header]
    return replacement


def _reason(status: int) -> str:
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "The request failed."
