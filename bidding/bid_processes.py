"""Where a socket server places its sockets' bids and maximum bids: threads of its own (WS_BID_THREADS), or
processes of its own (WS_BID_PROCESSES, issue 14).

A socket server's event loop writes every room event to thousands of sockets. A bid run beside it, in the
process's thread pool, shares its one GIL: each of the bid's statements gives the GIL up while PostgreSQL answers
and must then wait for a loop that is writing, and the loop waits for the bid's Python in turn
(bench/RESULTS.md). With WS_BID_PROCESSES = N each socket server hands its bids (and maximum bids) to N processes
of its own, spawned from a clean interpreter, that run the very same functions as the thread pool does (the
services of `bidding.services`) and answer with plain data. Their room events leave through the channel layer as
any publisher's do. 0 (the default) keeps the bid threads.

A refusal comes back as its `as_dict()` (translated in the child, in the socket's language); a dependency down
comes back as its own exception (psycopg's and redis' pickle), so the consumer answers both as it always has. A
child that dies takes its bid's outcome with it: the socket is told `unavailable` and closed, and the client
resyncs and retries with the same idempotency key, which places the bid at most once.
"""

import asyncio
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import translation

# Nothing at the top of this module may import a model: a spawned child unpickles its functions before it has set
# Django up (_start_child does that next).

logger = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_thread_pool: ThreadPoolExecutor | None = None
_warmed = False


def enabled() -> bool:
    return settings.WS_BID_PROCESSES > 0


def warm_up() -> None:
    """Start the processes on the server's first socket, so that no bid waits for an interpreter to boot."""
    global _warmed
    if enabled() and not _warmed:
        _warmed = True
        for _ in range(settings.WS_BID_PROCESSES):
            _executor().submit(_ready)


async def place_bid(**kwargs) -> tuple[str, dict]:
    """("accepted", the bid as OwnBidSerializer shows it) or ("rejected", the refusal's as_dict()), placed in one
    of the server's bid processes where it has them, else in its thread pool."""
    return await _call(_place_bid, kwargs)


async def set_max_bid(**kwargs) -> tuple[str, dict]:
    """("accepted", the maximum as MaxBidSerializer shows it) or ("rejected", the refusal's as_dict()), as
    place_bid."""
    return await _call(_set_max_bid, kwargs)


async def _call(function, kwargs: dict) -> tuple[str, dict]:
    from config import metrics

    language = translation.get_language()
    handed = time.time()  # the wall clock, which a bid process shares
    if not enabled():
        # A thread pool, not database_sync_to_async's one sync thread: one slow bid must not queue every other
        # socket of the process behind it (_run closes the stale connections as that would). The bids' own pool,
        # not the loop's default one, where the joins' user lookups and snapshots are read (WS_BID_THREADS).
        verdict, body, _counted, began = await sync_to_async(function, thread_sensitive=False, executor=_threads())(
            language, kwargs
        )
        _observe_wait(function, began - handed)
        return verdict, body

    from .models import BidSource

    executor = _executor()
    started = time.perf_counter()
    try:
        verdict, body, counted, began = await asyncio.get_running_loop().run_in_executor(
            executor, function, language, kwargs
        )
    except Exception as exc:
        if function is _place_bid:  # the dependency down, or the process gone: the alerts' "error"
            metrics.record_bid(source=BidSource.WEBSOCKET, outcome="error", seconds=time.perf_counter() - started)
        if isinstance(exc, BrokenProcessPool):
            _discard(executor)
        raise
    if counted is not None:
        # A scrape reads the server alone: it counts its bid processes' bids as its own.
        metrics.record_bid(source=BidSource.WEBSOCKET, outcome=counted[0], seconds=counted[1])
    _observe_wait(function, began - handed)
    return verdict, body


def _observe_wait(function, seconds: float) -> None:
    """How long a bid waited for a thread or a bid process (umaseri_socket_bid_seconds{stage="waited"})."""
    if function is _place_bid:
        from config import metrics

        metrics.observe_socket_bid("waited", seconds)


def _threads() -> ThreadPoolExecutor:
    global _thread_pool
    with _pool_lock:
        if _thread_pool is None:
            _thread_pool = ThreadPoolExecutor(max_workers=settings.WS_BID_THREADS, thread_name_prefix="bid")
        return _thread_pool


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, never fork: this process runs an event loop and threads whose locks a fork would copy held.
            _pool = ProcessPoolExecutor(
                max_workers=settings.WS_BID_PROCESSES,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
            )
        return _pool


def _discard(executor: ProcessPoolExecutor) -> None:
    global _pool, _warmed
    logger.error("a bid process died: its bids are answered 'unavailable', new ones go to fresh processes")
    with _pool_lock:
        if _pool is not executor:
            return  # another bid of the same pool came here first
        _pool, _warmed = None, False
    executor.shutdown(wait=False, cancel_futures=True)
    warm_up()


# --- in a bid process (or the thread pool) ----------------------------------------------------------------------------


def _start_child() -> None:
    import django

    django.setup()


def _ready() -> None:
    pass


def _place_bid(language: str | None, kwargs: dict) -> tuple[str, dict, tuple[str, float], float]:
    """Also how bid_place counts (config.metrics.observe_bid's outcome and time), for a server whose bid this
    process placed, and when it began (time.time())."""
    began = time.time()
    from . import services
    from .models import BidSource
    from .serializers import OwnBidSerializer

    def place() -> tuple[dict, str]:
        outcome = services.bid_place(source=BidSource.WEBSOCKET, **kwargs)
        return dict(OwnBidSerializer(outcome.bid).data), "replayed" if outcome.replayed else "accepted"

    started = time.perf_counter()
    verdict, body, counted = _run(language, place)
    return verdict, body, (counted or body["code"], time.perf_counter() - started), began


def _set_max_bid(language: str | None, kwargs: dict) -> tuple[str, dict, None, float]:
    began = time.time()
    import json

    from . import services
    from .models import BidSource
    from .serializers import MaxBidSerializer

    def set_max() -> tuple[dict, None]:
        outcome = services.max_bid_set(source=BidSource.WEBSOCKET, **kwargs)
        return json.loads(json.dumps(MaxBidSerializer(outcome).data, default=str)), None

    verdict, body, _counted = _run(language, set_max)
    return verdict, body, None, began


def _run(language: str | None, call) -> tuple[str, dict, str | None]:
    """("accepted", *what `call` returned: the answer and how it counts) or ("rejected", the refusal's as_dict(),
    None), with stale connections closed before and after, as database_sync_to_async does around a call (the
    pool takes them back)."""
    from django.db import close_old_connections

    from .errors import BidRejected

    close_old_connections()
    try:
        with translation.override(language):
            try:
                return "accepted", *call()
            except BidRejected as exc:
                return "rejected", exc.as_dict(), None
    finally:
        close_old_connections()
