"""Cross-cutting endpoints: the API's index, health, and the Swagger and ReDoc pages.

Health answers 200 while the database is up, whatever Redis does: the API keeps serving without it (the cache is
bypassed, throttles count per process, see core/failover_cache.py), and `broker` / `cache` show the degraded part
so an operator sees it. 503 only when the database is down.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any driver error means "down" to a health probe
        logger.exception("Health check: database unavailable")
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True  # tasks run in-process: there is no broker to be down
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _cache_ok() -> bool:
    """False while the cache is falling back (Redis unreachable as this process last saw it)."""
    cache.has_key("health-probe")
    return not getattr(cache, "is_down", lambda: False)()


@extend_schema(
    summary="Health check",
    description="200 while the database is up, with `broker` and `cache` `unavailable` when Redis is unreachable "
    "(the API keeps serving without it); 503 when the database is down.",
    auth=[],
    responses={
        200: inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "broker": serializers.CharField(),
                "cache": serializers.CharField(),
            },
        ),
        503: inline_serializer(
            "HealthDown",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "broker": serializers.CharField(),
                "cache": serializers.CharField(),
            },
        ),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request):
    database = _database_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if _broker_ok() else "unavailable",
        "cache": "ok" if _cache_ok() else "unavailable",
    }
    return Response(body, status=200 if database else 503)


@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_root(request):
    """`GET /api/`: where the docs are and every resource's list route (DRF's routers each list only their own)."""
    resources = {}
    for pattern in _api_patterns():
        name = getattr(pattern, "name", None) or ""
        if name.endswith("-list") and not pattern.pattern.regex.groups:
            resources[str(pattern.pattern).replace("^", "").replace("$", "").rstrip("/")] = None
    base = request.build_absolute_uri("/api/")
    return Response(
        {
            "docs": f"{base}docs/",
            "redoc": f"{base}redoc/",
            "schema": f"{base}schema/",
            "health": f"{base}health/",
            "login": f"{base}auth/login/",
            "dashboard": f"{base}dashboard/",
            "resources": {route: f"{base}{route}/" for route in sorted(resources)},
        }
    )


def _api_patterns():
    from django.urls import URLResolver, get_resolver

    for resolver in get_resolver().url_patterns:
        if isinstance(resolver, URLResolver) and str(resolver.pattern) == "api/":
            for child in resolver.url_patterns:
                yield from child.url_patterns if isinstance(child, URLResolver) else [child]


# The docs pages load their assets from this server only (drf-spectacular-sidecar). The policy makes the browser
# refuse anything else before it leaves the machine: ReDoc's bundle links an image of its vendor's CDN in its sidebar.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


class _SameHostOnly:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class SwaggerView(_SameHostOnly, SpectacularSwaggerView):
    pass


class RedocView(_SameHostOnly, SpectacularRedocView):
    template_name = "stockroom/redoc.html"
