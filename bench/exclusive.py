"""One bench run at a time on each database and each Redis database it uses.

A run drops and re-creates its database and flushes its Redis database: a second run started on the same ones
empties them under the first, which then reads its ground truth from an empty database and reports 0 / 0
broadcasts delivered, a figure that looks like a result. Each resource is held by an flock on a file named after
it, released when the run ends however it ends (the kernel drops the lock with the process).
"""

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


def _shown(url: str) -> str:
    """The URL without its user and password."""
    parts = urlsplit(url)
    return (
        parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()
        if parts.hostname
        else url
    )


@contextlib.contextmanager
def exclusive(*resources: str) -> Iterator[None]:
    with contextlib.ExitStack() as held:
        for resource in resources:
            digest = hashlib.sha256(resource.encode()).hexdigest()[:16]
            handle = held.enter_context(open(Path(tempfile.gettempdir()) / f"umaseri-bench-{digest}.lock", "a+"))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise SystemExit(
                    f"another bench run ({holder}) is using {_shown(resource)}: wait for it to end, or give this "
                    "run a --database-url and --redis-url of its own"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
        yield
