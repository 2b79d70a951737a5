"""/healthz: is every part of the platform reachable? 200 when all are, 503 otherwise."""

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result.update(detail)
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _redis():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache was not read back")
    cache.delete(key)


def _channel_layer():
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "healthz"})
        message = await layer.receive(channel)
        if message.get("type") != "healthz":
            raise RuntimeError("channel layer returned an unexpected message")

    async_to_sync(round_trip)()
    return {"backend": type(layer).__name__}


def _celery():
    from config.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return {"workers": len(replies)}


CHECKS = {"database": _database, "redis": _redis, "channel_layer": _channel_layer, "celery": _celery}


@never_cache
def healthz(request):
    parts = {name: _timed(check) for name, check in CHECKS.items()}
    healthy = all(part["ok"] for part in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": parts}, status=200 if healthy else 503
    )
