"""drf-spectacular schema class: documents what core mixins add to every view that uses them."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.idempotency import HEADER, IdempotentMixin


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentMixin):
            parameters = [
                *parameters,
                OpenApiParameter(
                    HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="Replays the first response for a repeated request (24 hours).",
                ),
            ]
        return parameters


class JWTScheme(SimpleJWTScheme):
    """`core.authentication.JWTAuthentication` is simplejwt's bearer token, documented as such."""

    target_class = "core.authentication.JWTAuthentication"
