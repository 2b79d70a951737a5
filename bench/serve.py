"""The server command of a benchmark run: daphne (or uvicorn) with every full garbage collection timed.

    python -m bench.serve -b HOST -p PORT [--proxy-headers] APP

BENCH_SERVER=uvicorn runs the same application under uvicorn instead (`bench run --server uvicorn`).
BENCH_SERVER_GC=untuned undoes config/asgi.py's gc.freeze() and raised thresholds, to measure what they buy.
Every collection of the oldest generation is timed. SIGUSR1 logs the count and the longest pause since the
previous SIGUSR1 and starts counting afresh: the bench sends it when bidding starts and when it ends, so the last
line covers the measured run only.
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


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    gc.callbacks.append(_time_collections)
    if os.environ.get("BENCH_SERVER_GC", "platform") == "untuned":
        import config.asgi  # noqa: F401  (it freezes and sets the thresholds as it is imported)

        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
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
