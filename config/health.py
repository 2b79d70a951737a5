"""/healthz: is every part of the platform reachable? 200 when all are, 503 otherwise.

The checks run side by side, each with a deadline, so one dead dependency (a Redis that drops packets, a
broker the Celery client keeps retrying) makes the answer a prompt 503 instead of a hung request.
"""

import asyncio
import threading
import time
import uuid

# Loaded here, once, rather than first inside the check threads: two threads importing one package for the
# first time at once can deadlock on the import lock.
import celery.app.control  # noqa: F401
import channels_redis.core  # noqa: F401
import django_redis.client  # noqa: F401
import kombu.transport.redis  # noqa: F401
import redis.asyncio  # noqa: F401
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app


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
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"vendor": connection.vendor}
    finally:
        connections.close_all()  # this worker thread's own connection; it must not outlive the check


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

    async def within_the_deadline():
        # Bounded here, not only by the thread's join: async_to_sync runs the loop in a worker thread that the
        # interpreter waits for at exit, so a round trip hung on a silent Redis would hold up the shutdown.
        limit = _deadline() * 0.9
        try:
            await asyncio.wait_for(round_trip(), timeout=limit)
        except TimeoutError:
            raise RuntimeError(f"no answer within {limit:g} s") from None

    async_to_sync(within_the_deadline)()
    return {"backend": type(layer).__name__}


def _celery():
    # One connection attempt with socket timeouts, not the client's default of retrying for seconds (or of
    # waiting forever on a broker that accepts connections but never answers).
    timeout = _deadline() / 2
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.5, timeout=timeout)
        replies = app.control.ping(timeout=1.0, connection=conn)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return {"workers": len(replies)}


CHECKS = {"database": _database, "redis": _redis, "channel_layer": _channel_layer, "celery": _celery}


def _deadline() -> float:
    return getattr(settings, "HEALTHZ_TIMEOUT_SECONDS", 4.0)


def run_checks() -> dict[str, dict]:
    """Every check in its own daemon thread; a check still running at the deadline is reported as failed
    and left behind (a daemon thread never holds up the server's shutdown)."""
    results: dict[str, dict] = {}

    def run(name, check):
        results[name] = _timed(check)

    threads = {
        name: threading.Thread(target=run, args=(name, check), name=f"healthz-{name}", daemon=True)
        for name, check in CHECKS.items()
    }
    for thread in threads.values():
        thread.start()
    give_up_at = time.monotonic() + _deadline()
    for thread in threads.values():
        thread.join(timeout=max(0.0, give_up_at - time.monotonic()))
    return {name: results.get(name) or {"ok": False, "error": f"no answer within {_deadline():g} s"} for name in CHECKS}


@never_cache
def healthz(request):
    parts = run_checks()
    healthy = all(part["ok"] for part in parts.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": parts}, status=200 if healthy else 503)
