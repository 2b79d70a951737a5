"""The platform's own Prometheus metrics, in one place. Apps import this module; it imports no app.

One scrape target per process: each daphne serves its own registry at /metrics (config.metrics_export), each Celery
worker serves the sum of its pool's child processes (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR
private to that worker). The `multiprocess_mode` of a gauge says how the worker adds up its children; in daphne it
is ignored. README, "Metrics and alerts", lists every series and what it means.
"""

import contextlib
import functools
import time
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from config.errors import ServiceError

# --- WebSocket rooms (bidding.consumers) -------------------------------------------------------------------

WS_OPEN_SOCKETS = Gauge(
    "umaseri_ws_open_sockets", "WebSocket connections open in this process.", multiprocess_mode="livesum"
)
WS_CONNECTIONS = Counter("umaseri_ws_connections", "WebSocket connections accepted.")
WS_DISCONNECTIONS = Counter(
    "umaseri_ws_disconnections",
    "WebSocket connections ended, by reason: normal (close code 1000/1001), abnormal (1006: no close frame, the "
    "network or the client went away), other (any other code, ours included).",
    ["reason"],
)
WS_ROOM_JOINS = Counter("umaseri_ws_room_joins", "Auction rooms joined (auction:join of a room not yet joined).")
WS_ROOM_LEAVES = Counter("umaseri_ws_room_leaves", "Auction rooms left, by auction:leave or by the socket closing.")
# A room event's delay, from the publisher's stamp: the same bounds at the hub and at the last socket, to compare.
EVENT_DELAY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
EVENT_DELIVERY_SECONDS = Histogram(
    "umaseri_event_delivery_seconds",
    "From the publisher stamping an event's server_time to its last socket in a process (once per event and process).",
    ["event"],
    buckets=EVENT_DELAY_BUCKETS,
)
EVENT_ARRIVAL_SECONDS = Histogram(
    "umaseri_event_arrival_seconds",
    "From the publisher stamping an event's server_time to the process's room hub taking it from the channel layer "
    "(the part of the delivery delay before the fan-out to the process's sockets).",
    ["event"],
    buckets=EVENT_DELAY_BUCKETS,
)
EVENT_LOOP_LAG_SECONDS = Histogram(
    "umaseri_event_loop_lag_seconds",
    "How late a socket server's event loop ran a timer (sampled four times a second): the wait every socket's frame, "
    "answer and delivery of that process shares.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

# --- The cache (django-redis, through config.logs.CacheFailures) -------------------------------------------

CACHE_FAILURES = Counter(
    "umaseri_cache_failures",
    "Cache calls that failed and were passed over (Redis away): the cache and the REST throttle fail open.",
)

# --- Bids (bidding.services.bid_place) ---------------------------------------------------------------------

BIDS = Counter(
    "umaseri_bids",
    "Bid attempts by outcome (accepted, replayed, a refusal's code, or error) and source (rest, ws).",
    ["outcome", "source"],
)
BID_PLACE_SECONDS = Histogram(
    "umaseri_bid_place_duration_seconds",
    "Time spent in bid_place, the lock wait included.",
    ["source"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SOCKET_BID_SECONDS = Histogram(
    "umaseri_socket_bid_seconds",
    "A socket bid in its server, by stage: `waited` from the consumer handing it over to bid_place starting (in the "
    "thread pool or a bid process), `answered` from the consumer taking the frame to the answer being written.",
    ["stage"],
    buckets=EVENT_DELAY_BUCKETS,
)

# --- The close and the clock (auctions) ----------------------------------------------------------------------

CLOSE_LAG_SECONDS = Histogram(
    "umaseri_auction_close_lag_seconds",
    "How long after its end (ends_at) an auction was closed (closed_at).",
    buckets=(0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0),
)
TICK_SKEW_SECONDS = Histogram(
    "umaseri_timer_tick_skew_seconds",
    "How late the once-a-second timer tick ran after beat issued it for its second.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
)
TICK_LAST_RUN = Gauge(
    "umaseri_timer_tick_last_run_timestamp_seconds",
    "Unix time of the last timer tick (a gap means no watcher's clock is being corrected).",
    multiprocess_mode="max",
)

# --- Celery --------------------------------------------------------------------------------------------------

TASK_LAG_SECONDS = Histogram(
    "umaseri_celery_task_lag_seconds",
    "From a task's enqueue (or its eta, if later) to its start in a worker.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
QUEUE_LENGTH = Gauge(
    "umaseri_celery_queue_length",
    "Messages waiting in the broker's queue (LLEN of its Redis lists), read at scrape time.",
    ["queue"],
    multiprocess_mode="mostrecent",
)

# --- Redis and the database pool, read at scrape time (config.metrics_export.refresh) --------------------------

REDIS_COMMAND_SECONDS = Histogram(
    "umaseri_redis_command_duration_seconds",
    "Round trip of the Redis commands of the scrape-time probe (PING to the cache, LLEN to the broker).",
    ["command"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
DB_POOL_CONNECTIONS = Gauge(
    "umaseri_db_pool_connections", "Connections open in the PostgreSQL pool.", ["alias"], multiprocess_mode="livesum"
)
DB_POOL_IN_USE = Gauge(
    "umaseri_db_pool_connections_in_use",
    "Connections of the pool lent out right now.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge("umaseri_db_pool_max_connections", "The pool's max_size.", ["alias"], multiprocess_mode="livesum")
DB_POOL_WAITING = Gauge(
    "umaseri_db_pool_waiting_requests",
    "Requests waiting for a connection right now.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_REQUESTS = Counter("umaseri_db_pool_requests", "Connections asked of the pool.", ["alias"])
DB_POOL_QUEUED = Counter(
    "umaseri_db_pool_queued_requests", "Requests that found no idle connection and had to wait.", ["alias"]
)
DB_POOL_WAIT_SECONDS = Counter(
    "umaseri_db_pool_wait_seconds", "Time requests spent waiting for a connection.", ["alias"]
)
DB_POOL_ERRORS = Counter("umaseri_db_pool_request_errors", "Requests that got no connection (timeout).", ["alias"])

# The header every task message carries from its publisher (config.celery): the Unix time it was sent.
ENQUEUED_AT_HEADER = "umaseri_enqueued_at"


def observe_bid(function):
    """Count and time every call of bid_place by outcome and source. A refusal counts under its code; anything
    else raised (the database or Redis failing) counts as "error", the failures that the alerts watch."""
    default_source = str(function.__kwdefaults__["source"])

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        source = str(kwargs.get("source", default_source))
        started = time.perf_counter()
        outcome = "error"
        try:
            result = function(*args, **kwargs)
            outcome = "replayed" if getattr(result, "replayed", False) else "accepted"
            return result
        except ServiceError as exc:
            outcome = exc.code  # a refusal: the rule's stable code (a bounded set)
            raise
        finally:
            record_bid(source=source, outcome=outcome, seconds=time.perf_counter() - started)

    return wrapper


def record_bid(*, source: str, outcome: str, seconds: float) -> None:
    """One call of bid_place: here, or in a bid process of this server, which reports it back to be counted
    (bidding.bid_processes), as a scrape reads this process alone."""
    BID_PLACE_SECONDS.labels(source).observe(seconds)
    BIDS.labels(outcome, source).inc()


def disconnect_reason(code) -> str:
    if code in (1000, 1001):
        return "normal"
    return "abnormal" if code == 1006 else "other"


def observe_socket_bid(stage: str, seconds: float) -> None:
    SOCKET_BID_SECONDS.labels(stage).observe(max(0.0, seconds))


def observe_delivery(message: dict) -> None:
    """A room event is about to go down a socket: how long since its publisher stamped it."""
    _observe_since_stamp(EVENT_DELIVERY_SECONDS, message)


def observe_arrival(message: dict) -> None:
    """A room event has reached the process's room hub: how long since its publisher stamped it."""
    _observe_since_stamp(EVENT_ARRIVAL_SECONDS, message)


def _observe_since_stamp(histogram: Histogram, message: dict) -> None:
    stamp = message.get("server_time")
    if stamp is not None:
        histogram.labels(message.get("event") or "unknown").observe(max(0.0, time.time() - stamp / 1000))


def observe_close(*, ends_at, closed_at) -> None:
    CLOSE_LAG_SECONDS.observe(max(0.0, (closed_at - ends_at).total_seconds()))


def enqueued_at(request) -> float | None:
    """The publisher's stamp: a worker puts a message's headers on the request itself; Task.apply keeps them apart."""
    if request is None:
        return None
    sent = getattr(request, ENQUEUED_AT_HEADER, None)
    if sent is None:
        sent = (getattr(request, "headers", None) or {}).get(ENQUEUED_AT_HEADER)
    try:
        return float(sent) if sent is not None else None
    except (TypeError, ValueError):
        return None


def observe_tick() -> None:
    """Called by the timer tick as it runs: its lateness against the moment beat sent it, and that it ran."""
    from celery import current_task

    now = time.time()
    TICK_LAST_RUN.set(now)
    sent = enqueued_at(getattr(current_task, "request", None))
    if sent is not None:
        TICK_SKEW_SECONDS.observe(max(0.0, now - sent))


def observe_task_start(task, now: float | None = None) -> None:
    """Task lag: from the publisher's stamp, or the eta when that is later, to this start."""
    request = task.request
    sent = enqueued_at(request)
    if sent is None or getattr(request, "is_eager", False):
        return
    due = sent
    eta = getattr(request, "eta", None)
    if eta:
        with contextlib.suppress(TypeError, ValueError):  # an eta we cannot read: lag from the enqueue
            due = max(due, datetime.fromisoformat(eta).timestamp() if isinstance(eta, str) else eta.timestamp())
    TASK_LAG_SECONDS.labels(task.name).observe(max(0.0, (now or time.time()) - due))


_pool_seen: dict[str, dict] = {}


def record_db_pool() -> None:
    """The PostgreSQL pool of this process (Django's backend with OPTIONS["pool"]): gauges set from psycopg_pool's
    get_stats(), its cumulative counters added as deltas so that a worker's children can be summed."""
    from django.db import connections

    for alias in connections:
        pools = getattr(connections[alias], "_connection_pools", None)
        pool = pools.get(alias) if pools else None
        if pool is None:
            continue
        stats = pool.get_stats()
        DB_POOL_CONNECTIONS.labels(alias).set(stats.get("pool_size", 0))
        DB_POOL_IN_USE.labels(alias).set(stats.get("pool_size", 0) - stats.get("pool_available", 0))
        DB_POOL_MAX.labels(alias).set(stats.get("pool_max", 0))
        DB_POOL_WAITING.labels(alias).set(stats.get("requests_waiting", 0))
        seen = _pool_seen.setdefault(alias, {})
        for key, counter, scale in (
            ("requests_num", DB_POOL_REQUESTS, 1),
            ("requests_queued", DB_POOL_QUEUED, 1),
            ("requests_wait_ms", DB_POOL_WAIT_SECONDS, 0.001),
            ("requests_errors", DB_POOL_ERRORS, 1),
        ):
            value = stats.get(key, 0)
            counter.labels(alias).inc(max(0, value - seen.get(key, 0)) * scale)
            seen[key] = value
