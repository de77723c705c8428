"""Liveness and readiness (CONTRACTS §9)."""

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # a readiness probe reports, it does not raise
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("readyz", "1", 5)
        checks["cache"] = "ok" if cache.get("readyz") == "1" else "error"
    except Exception as error:
        checks["cache"] = f"error: {error.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "in-process"
    else:
        try:
            from config.celery import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as error:
            checks["broker"] = f"error: {error.__class__.__name__}"
    checks["storage"] = _storage()
    ready = all(value in ("ok", "in-process", "local") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _storage() -> str:
    """Local files need no probe; an object store is asked about a name that is never stored
    (one HEAD request): any answer but an error means it is reachable and lets us in."""
    if isinstance(default_storage, FileSystemStorage):
        return "local"
    try:
        default_storage.exists(".readyz")
    except Exception as error:  # reported, as the other checks
        return f"error: {error.__class__.__name__}"
    return "ok"
