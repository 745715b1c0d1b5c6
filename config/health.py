"""Health probes for load balancers and orchestrators.

`/healthz` says the process is alive and touches nothing. `/readyz` says the
instance can serve: the database and the cache answer (each bounded by its
connect/socket timeouts from settings); otherwise 503 with what failed.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("config.health")


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache_ok() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return the value just written")
    cache.delete(key)


CHECKS = {"database": _database_ok, "cache": _cache_ok}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    failures = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # a probe reports every failure, whatever its kind
            logger.warning("readiness check %s failed: %s", name, error)
            failures[name] = type(error).__name__
    if failures:
        return JsonResponse({"status": "unavailable", "failed": failures}, status=503)
    return JsonResponse({"status": "ok", "checks": sorted(CHECKS)})
