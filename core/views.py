"""Cross-cutting endpoints: health.

Health answers 200 while the database is up, whatever Redis does: the API keeps serving without it (the cache is
bypassed, throttles count per process, see core/failover_cache.py), and `broker` / `cache` show the degraded part
so an operator sees it. 503 only when the database is down.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
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
