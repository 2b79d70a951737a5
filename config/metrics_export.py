"""Serving the metrics: /metrics on each daphne (in front of Django), and a small HTTP server in each Celery worker.

Not public. A scrape must carry `Authorization: Bearer <METRICS_TOKEN>`, or come from an address in
METRICS_ALLOWED_NETWORKS; anything else gets the same 404 as an unknown API path. With neither set, /metrics is off.
It is answered before Django's middleware, so a scraper that reaches a process by its internal address (a container
IP) needs no entry in ALLOWED_HOSTS and is never redirected to HTTPS.
"""

import hmac
import ipaddress
import logging
import os
import threading
import time
from functools import lru_cache

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from . import metrics

logger = logging.getLogger(__name__)

NOT_FOUND = b'{"code":"not_found","detail":"Not found."}'


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def allowed(*, authorization: str | None, client: str | None) -> bool:
    """A scrape is let in by the bearer token, or by its peer address alone when that is in an allowed network."""
    from django.conf import settings

    token = settings.METRICS_TOKEN
    if token and authorization:
        scheme, _sep, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    if client and networks:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


def registry() -> CollectorRegistry:
    """This process's registry, or, in multiprocess mode, every process that writes to PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    return REGISTRY


def refresh() -> None:
    """What is read at scrape time rather than recorded as it happens: the database pool, a Redis probe and the
    Celery queue depth. A failing probe is logged and leaves the previous values; the scrape still answers."""
    try:
        metrics.record_db_pool()
    except Exception:
        logger.warning("metrics: could not read the database pool", exc_info=True)
    try:
        _probe_redis()
    except Exception as exc:
        logger.warning("metrics: Redis probe failed: %s", exc)


def _probe_redis() -> None:
    from django_redis import get_redis_connection

    started = time.perf_counter()
    get_redis_connection("default").ping()
    metrics.REDIS_COMMAND_SECONDS.labels("ping").observe(time.perf_counter() - started)
    broker, queues = _broker()
    if broker is None:
        return
    for queue, keys in queues.items():
        started = time.perf_counter()
        pipe = broker.pipeline(transaction=False)
        for key in keys:
            pipe.llen(key)
        depth = sum(pipe.execute())
        metrics.REDIS_COMMAND_SECONDS.labels("llen").observe(time.perf_counter() - started)
        metrics.QUEUE_LENGTH.labels(queue).set(depth)


_broker_client = None


def _broker():
    """A Redis client for the Celery broker and, per queue, the lists kombu keeps it in (one per priority step)."""
    global _broker_client
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None, {}
    if _broker_client is None:
        import redis

        _broker_client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    from .celery import app

    names = {app.conf.task_default_queue} | {queue.name for queue in (app.conf.task_queues or ())}
    steps = app.conf.broker_transport_options.get("priority_steps", [0, 3, 6, 9])
    separator = app.conf.broker_transport_options.get("sep", "\x06\x16")
    return _broker_client, {
        name: [name if step == 0 else f"{name}{separator}{step}" for step in steps] for name in sorted(names)
    }


def render() -> bytes:
    refresh()
    return generate_latest(registry())


# --- daphne: /metrics in front of Django -----------------------------------------------------------------------


def with_metrics(django_app, path: str = "/metrics"):
    """ASGI: `path` is answered here (see the module's docstring); every other request goes to Django."""
    from asgiref.sync import sync_to_async

    render_in_thread = sync_to_async(render, thread_sensitive=False)

    async def app(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != path:
            return await django_app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        client = (scope.get("client") or [None])[0]
        if scope["method"] not in ("GET", "HEAD") or not allowed(authorization=authorization, client=client):
            return await _respond(send, 404, "application/json", NOT_FOUND)
        body = await render_in_thread()
        await _respond(send, 200, CONTENT_TYPE_LATEST, b"" if scope["method"] == "HEAD" else body)

    return app


async def _respond(send, status: int, content_type: str, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- Celery worker: its own small HTTP server ---------------------------------------------------------------------


def worker_wsgi_app(environ, start_response):
    allowed_in = environ.get("REQUEST_METHOD") in ("GET", "HEAD") and allowed(
        authorization=environ.get("HTTP_AUTHORIZATION"), client=environ.get("REMOTE_ADDR")
    )
    if environ.get("PATH_INFO") != "/metrics" or not allowed_in:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [NOT_FOUND]
    body = render()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store")])
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]


def start_worker_exporter(host: str, port: int):
    """Serve the worker's /metrics from a daemon thread of its main process. The pool's children record into
    PROMETHEUS_MULTIPROC_DIR; files left there by processes of an earlier run are removed first."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client.exposition import ThreadingWSGIServer

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "WORKER_METRICS_PORT needs PROMETHEUS_MULTIPROC_DIR, a directory of this worker's own: its pool's child "
            "processes record the metrics there"
        )
    os.makedirs(directory, exist_ok=True)
    mine = f"_{os.getpid()}.db"
    for name in os.listdir(directory):
        if name.endswith(".db") and not name.endswith(mine):
            os.remove(os.path.join(directory, name))

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # one line per scrape is noise
            pass

    server = make_server(host, port, worker_wsgi_app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    logger.info("worker metrics on http://%s:%s/metrics", host, port)
    return server


def mark_process_dead(pid: int) -> None:
    """A pool child has exited: its live gauges (open pool connections) no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
