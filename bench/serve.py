"""daphne with the garbage collector tuned, to measure what the tuning buys (bench run --server-gc tuned).

    python -m bench.serve <daphne arguments>

BENCH_SERVER_GC=tuned: after Django and the ASGI application are imported, everything alive is moved to the
permanent generation (gc.freeze), and the thresholds are raised so that young collections are rarer and full
ones scan less. Every collection of the oldest generation is timed. SIGUSR1 logs the count and the longest
pause since the previous SIGUSR1 and starts counting afresh: the bench sends it when bidding starts and when it
ends, so the last line covers the measured run only.

BENCH_WS_SYNC=parallel (an experiment, to measure a proposed change): the room socket's database calls (the
JWT user lookup, the auction snapshot, bid_place) run with thread_sensitive=False, in daphne's thread pool
(ASGI_THREADS), instead of all sockets of the process queueing for Channels' one thread-sensitive thread.
"""

import atexit
import gc
import logging
import os
import signal
import sys
import time

logger = logging.getLogger("bench.serve")
_pauses: list[float] = []
_started: dict[int, float] = {}


def _time_collections(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        _started[2] = time.perf_counter()
    elif 2 in _started:
        _pauses.append((time.perf_counter() - _started.pop(2)) * 1000)


def _report(*_signal) -> None:
    longest = max(_pauses, default=0.0)
    print(
        f"bench.serve gc: {len(_pauses)} full collections, longest {longest:.1f} ms, "
        f"total {sum(_pauses):.1f} ms, thresholds {gc.get_threshold()}, frozen {gc.get_freeze_count()}, "
        f"collections per generation {[stat['collections'] for stat in gc.get_stats()]}",
        flush=True,
    )
    _pauses.clear()


def _parallel_socket_database_calls() -> None:
    from channels.db import DatabaseSyncToAsync

    import config.asgi  # noqa: F401  (settings and apps ready before the consumers are imported)
    from accounts import ws_auth
    from bidding import consumers

    for module, name in ((ws_auth, "_active_user"), (consumers, "_snapshot"), (consumers, "_place_bid")):
        wrapped = getattr(module, name)
        setattr(module, name, DatabaseSyncToAsync(wrapped.func, thread_sensitive=False))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    gc.callbacks.append(_time_collections)
    if os.environ.get("BENCH_SERVER_GC", "default") == "tuned":
        import config.asgi  # noqa: F401  (Django, the URLconf and every consumer, imported once)

        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    if os.environ.get("BENCH_WS_SYNC") == "parallel":
        _parallel_socket_database_calls()
    atexit.register(_report)
    signal.signal(signal.SIGUSR1, _report)

    if os.environ.get("BENCH_SERVER", "daphne") == "uvicorn":
        _run_uvicorn(sys.argv[1:])
        return
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface().run(sys.argv[1:])


def _run_uvicorn(argv: list[str]) -> None:
    """The same application under uvicorn (BENCH_SERVER=uvicorn, `bench run --server uvicorn`), from the same
    daphne-style arguments: -b HOST -p PORT [--proxy-headers] APP. Its websockets protocol writes frames straight
    to the asyncio transport; permessage-deflate off, as daphne never negotiates it either."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("-b", dest="host")
    parser.add_argument("-p", dest="port", type=int)
    parser.add_argument("--proxy-headers", action="store_true")
    parser.add_argument("app")
    args = parser.parse_args(argv)
    uvicorn.run(
        args.app,
        host=args.host,
        port=args.port,
        ws="websockets",
        ws_per_message_deflate=False,
        lifespan="off",
        access_log=False,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
    )


if __name__ == "__main__":
    main()
