"""The server command of a benchmark run: the platform's own (config.serve) with every full collection timed.

    python -m bench.serve --server daphne|uvicorn -b HOST -p PORT [--proxy-headers]

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

    from config import serve

    serve.main(sys.argv[1:])


if __name__ == "__main__":
    main()
