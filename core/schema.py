"""The OpenAPI schema as a client developer's reference.

`AutoSchema` documents by default what every route shares, so a new route is documented without repeating it:
- the error responses each operation can answer, all with the one `Error` body: 400 where it takes a body or query
  parameters, 401 and 403 where it needs a login, 404 where it names an object (or pages), 409 `protected` on a
  delete, 409/422 for an `Idempotency-Key`, 413/415 where it takes a body, 429 where it is throttled;
- a summary for the standard actions (`List warehouses`, `Get a warehouse`, ...) and a description with the roles
  that may call it, where the view declares them;
- the `Idempotency-Key` header on the POSTs of views that honour it.
Descriptions never come from docstrings: those are written for the code's readers.
"""

import re

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance, get_view_model
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny

from core.idempotency import HEADER, MAX_KEY_LENGTH, IdempotentMixin


class InsufficientStockLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    sku = serializers.CharField()
    warehouse = serializers.IntegerField()
    requested = serializers.IntegerField(help_text="Units the request needs from this level.")
    available = serializers.IntegerField(help_text="Units it could take.")


class ErrorSerializer(serializers.Serializer):
    """Every error answers this body. `code` is for programs, `detail` for people."""

    status = serializers.IntegerField(help_text="The HTTP status code of the response, repeated.")
    code = serializers.CharField(
        help_text="Machine-readable: `validation_error`, `parse_error`, `not_authenticated`, "
        "`authentication_failed`, `permission_denied`, `not_found`, `method_not_allowed`, `unsupported_media_type`, "
        "`insufficient_stock`, `invalid_transition`, `protected`, `conflict`, `account_pending`, "
        "`idempotency_key_reused`, `idempotency_key_in_use`, `throttled`, `server_error`, ..."
    )
    detail = serializers.CharField(help_text="A sentence a person can read.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="`validation_error` only: the messages of each field, by path (`items.0.quantity`).",
    )
    lines = InsufficientStockLineSerializer(
        many=True, required=False, help_text="`insufficient_stock` only: every short line."
    )
    current_status = serializers.CharField(
        required=False, help_text="`invalid_transition` only: the status the object has now."
    )
    requested_status = serializers.CharField(
        required=False, help_text="`invalid_transition` on a status change: the status asked for."
    )
    retry_after = serializers.IntegerField(
        required=False, allow_null=True, help_text="`throttled` only: seconds to wait (the `Retry-After` header)."
    )


_ERRORS = {
    400: "Bad input, nothing changed: `validation_error` (`errors` names each field by its path) or `parse_error` "
    "(malformed JSON).",
    401: "`not_authenticated` (no `Authorization: Bearer <access>` header) or `authentication_failed` (a bad or "
    "expired token: get a new one from `POST /api/auth/refresh/`).",
    403: "`permission_denied`: your role, or the warehouses assigned to you, do not allow this.",
    404: "`not_found`: no such object in your organization (another organization's objects are not found either).",
    413: "`request_too_large`: the body is over the size limit.",
    415: "`unsupported_media_type`: send `Content-Type: application/json`.",
    422: "`idempotency_key_reused`: this `Idempotency-Key` was already used with another body.",
    429: "`throttled`: too many requests; retry after `Retry-After` seconds.",
}
# One example body per code; an error response shows the example of the first code its description names.
_EXAMPLES = {
    "validation_error": {"detail": "name: This field is required.", "errors": {"name": ["This field is required."]}},
    "not_authenticated": {"detail": "Authentication credentials were not provided."},
    "permission_denied": {"detail": "You do not have permission to perform this action."},
    "not_found": {"detail": "Not found."},
    "request_too_large": {"detail": "The request body is too large."},
    "unsupported_media_type": {"detail": 'Unsupported media type "text/plain" in request.'},
    "idempotency_key_reused": {"detail": "This Idempotency-Key was already used with a different request."},
    "idempotency_key_in_use": {"detail": "A request with this Idempotency-Key is still being processed."},
    "throttled": {"detail": "Request was throttled. Expected available in 30 seconds.", "retry_after": 30},
    "protected": {"detail": "It cannot be deleted because it is still referred to by: 3 stock movements."},
    "insufficient_stock": {
        "detail": "Not enough stock for: TSHIRT-M (5 requested, 2 available).",
        "lines": [{"variant": 7, "sku": "TSHIRT-M", "warehouse": 1, "requested": 5, "available": 2}],
    },
    "invalid_transition": {"detail": "A completed transfer cannot be approved.", "current_status": "completed"},
    "account_pending": {"detail": "Your account is waiting for approval by an administrator of your organization."},
    "authentication_failed": {"detail": "No active account found with the given credentials"},
    "conflict": {"detail": "The request conflicts with the current state."},
}
_KEY_INVALID = f"`validation_error`: an `Idempotency-Key` header that is empty or over {MAX_KEY_LENGTH} characters."
_FORMAT_NOT_FOUND = "`not_found`: `?format=` names a format this route does not offer."
_PAGE_NOT_FOUND = "`not_found`: a page past the last one."
_PROTECTED = "`protected`: other objects still refer to it; nothing was deleted."
_KEY_IN_USE = "`idempotency_key_in_use`: a request with this `Idempotency-Key` is still running; retry later."
_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Get {a} {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Update {a} {name}",
    "destroy": "Delete {a} {name}",
}
_DESCRIPTIONS = {
    "list": "A page of {plural} (`?page=`, `?page_size=` up to 100), narrowed and ordered by the query parameters "
    "below.",
    "cursor_list": "A page of {plural}, newest first: follow `next` and `previous` (`?cursor=`). Narrowed by the "
    "query parameters below.",
    "retrieve": "One {name} of your organization.",
    "create": "Creates {a} {name} in your organization and answers it.",
    "update": "Replaces the writable fields of {a} {name}: send every required field.",
    "partial_update": "Changes the fields sent, leaves the others.",
    "destroy": "Deletes {a} {name}; answers no body.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_description(self):
        action = self._action()
        if action == "list" and isinstance(self._get_paginator(), CursorPagination):
            action = "cursor_list"
        return _fill(_DESCRIPTIONS.get(action, ""), self._model_names())

    def get_summary(self):
        template = _SUMMARIES.get(self._action())
        return _fill(template, self._model_names()).capitalize() if template else None

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        roles = self._roles()
        if operation is not None and roles:
            line = f"**Roles:** {', '.join(roles)}."
            operation["description"] = f"{operation.get('description', '').rstrip()}\n\n{line}".strip()
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentMixin):
            parameters = [
                *parameters,
                OpenApiParameter(
                    HEADER,
                    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                    OpenApiParameter.HEADER,
                    description="Any unique string (a UUID): the same key with the same body replays the first "
                    "response (header `Idempotent-Replayed: true`) and changes nothing again. Kept 24 hours.",
                ),
            ]
        return parameters

    def map_parsers(self):
        # The contract is JSON in, multipart only for uploads: a form cannot carry the nested items of an order,
        # so documenting it invited bodies that could only fail. Forms still work for the browsable API.
        media_types = super().map_parsers()
        if _takes_files(self.get_request_serializer()):
            return media_types
        return [media_type for media_type in media_types if media_type.endswith("json")] or media_types

    def _process_override_parameters(self, direction="request"):
        # A query serializer's optional field reads `?to=` (empty) as absent, as DRF reads every form field.
        parameters = super()._process_override_parameters(direction)
        return {
            key: {**parameter, "allowEmptyValue": True}
            if parameter and parameter["in"] == "query" and not parameter.get("required")
            else parameter
            for key, parameter in parameters.items()
        }

    def _get_filter_parameters(self):
        return _empty_is_absent(super()._get_filter_parameters())

    def _get_pagination_parameters(self):
        return _empty_is_absent(super()._get_pagination_parameters())

    def _get_format_parameters(self):
        return _empty_is_absent(super()._get_format_parameters())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # A view's own error statuses (described, without a body) answer the Error body too.
        errors = {int(key): "" for key, response in responses.items() if key[0] == "4" and "content" not in response}
        errors.update(self._error_statuses())
        for status, description in errors.items():
            key = str(status)
            documented = responses.get(key, {})
            if "content" in documented:
                continue  # the view documents a body of its own for this status
            own = str(documented.get("description", ""))
            text = " ".join(part for part in (own, description if description != own else "") if part)
            responses[key] = self._get_response_for_code(_error_response(status, text), key, direction=direction)
        return dict(sorted(responses.items()))

    def _error_statuses(self) -> dict[int, str]:
        statuses: dict[int, str] = {}
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        has_query = any(parameter["in"] == "query" for parameter in self._get_parameters())
        idempotent = self.method == "POST" and isinstance(self.view, IdempotentMixin)
        if has_body or has_query:
            statuses[400] = _ERRORS[400]
        elif idempotent:
            statuses[400] = _KEY_INVALID
        if not self._is_public():
            statuses[401] = _ERRORS[401]
            statuses[403] = _ERRORS[403]
        if "{" in self.path:
            statuses[404] = _ERRORS[404]
        elif self._is_list_view() and self._get_paginator() is not None:
            statuses[404] = _PAGE_NOT_FOUND
        elif any(parameter["name"] == "format" for parameter in self._get_format_parameters()):
            statuses[404] = _FORMAT_NOT_FOUND
        conflicts = []
        if self.method == "DELETE":
            conflicts.append(_PROTECTED)
        if idempotent:
            conflicts.append(_KEY_IN_USE)
            statuses[422] = _ERRORS[422]
        if conflicts:
            statuses[409] = " ".join(conflicts)
        if has_body:
            statuses[413] = _ERRORS[413]
            statuses[415] = _ERRORS[415]
        if self.view.get_throttles():
            statuses[429] = _ERRORS[429]
        return statuses

    def _is_public(self) -> bool:
        return any(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def _action(self) -> str:
        return getattr(self.view, "action", None) or ""

    def _model_names(self) -> dict:
        model = get_view_model(self.view, emit_warnings=False)
        if model is None:
            return {"name": "object", "plural": "objects", "a": "an"}
        name = str(model._meta.verbose_name)
        return {"name": name, "plural": str(model._meta.verbose_name_plural), "a": "an" if name[0] in "aeiou" else "a"}

    def _roles(self) -> list[str]:
        action_roles = getattr(self.view, "action_roles", None) or {}
        action = self._action()
        if action in action_roles:
            roles = action_roles[action]
        elif self.method in ("GET", "HEAD") or not hasattr(self.view, "default_roles"):
            return []
        else:
            roles = self.view.default_roles
        order = ["admin", "manager", "staff", "viewer"]
        return sorted((str(role) for role in roles), key=lambda role: order.index(role) if role in order else 9)


def _takes_files(serializer) -> bool:
    serializer = force_instance(serializer)
    fields = getattr(serializer, "fields", None)
    if not isinstance(serializer, serializers.Serializer) or fields is None:
        return True  # not a serializer of ours (a raw schema): leave its media types alone
    return any(isinstance(field, serializers.FileField) for field in fields.values())


def _empty_is_absent(parameters: list[dict]) -> list[dict]:
    # django-filter and DRF's pagination, search and ordering read `?name=` (an empty value) as no parameter at all,
    # as HTML forms send an empty field; say so, so that a client (or a fuzzer) knows that `?page=` is valid.
    return [{**parameter, "allowEmptyValue": True} for parameter in parameters]


def _fill(template: str, names: dict) -> str:
    return template.format(**names) if template else ""


def _error_response(status: int, description: str) -> OpenApiResponse:
    named = [code for code in re.findall(r"`([a-z_]+)`", description) if code in _EXAMPLES]
    code = named[0] if named else "conflict"
    body = {"status": status, "code": code, **_EXAMPLES[code]}
    return OpenApiResponse(
        ErrorSerializer, description=description, examples=[OpenApiExample(code, value=body, status_codes=[status])]
    )


def request_examples(**examples: dict):
    """`@request_examples(Name=body, ...)` on a serializer: its request examples, wherever it is a request body."""
    return extend_schema_serializer(
        examples=[
            OpenApiExample(name.replace("_", " "), value=value, request_only=True) for name, value in examples.items()
        ]
    )


def describe_security(result, generator, request, public):
    """drf-spectacular postprocessing hook: tell a client what to paste into the JWT scheme."""
    for scheme in result.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("scheme") == "bearer":
            scheme["description"] = (
                "The `access` token of `POST /api/auth/login/` (or `/api/auth/refresh/`), pasted alone: the "
                "`Authorization: Bearer` header is added for you."
            )
    return result


class JWTScheme(SimpleJWTScheme):
    """`core.authentication.JWTAuthentication` is simplejwt's bearer token, documented as such."""

    target_class = "core.authentication.JWTAuthentication"


class MoneyFieldScheme(OpenApiSerializerFieldExtension):
    """`core.serializers.MoneyField`: written as a decimal string, read as that string or a JSON number."""

    target_class = "core.serializers.MoneyField"

    def map_serializer_field(self, auto_schema, direction):
        text = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return text
        field = self.target
        number = {"type": "number"}
        if field.max_whole_digits is not None:
            number.update(maximum=10**field.max_whole_digits, exclusiveMaximum=True)
        if field.min_value is not None:
            number["minimum"] = float(field.min_value)
        meta = {key: text.pop(key) for key in ("description", "readOnly", "writeOnly", "nullable") if key in text}
        return {"oneOf": [text, number], **meta}
