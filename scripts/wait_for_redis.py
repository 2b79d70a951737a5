"""Wait until the Redis at REDIS_URL answers PING, so web, worker and beat never start against a Redis that is
still coming up (the embedded one starts alongside them). Gives up after REDIS_WAIT_SECONDS (default 30)."""

import os
import sys
import time
from urllib.parse import urlparse

import redis


def main() -> int:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    timeout = float(os.environ.get("REDIS_WAIT_SECONDS", "30"))
    where = urlparse(url)
    shown = f"{where.hostname}:{where.port or 6379}" if where.hostname else url  # no password on screen
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            if announced:
                print(f"Redis at {shown} is up", flush=True)
            return 0
        except redis.RedisError as exc:  # refused, still loading, timed out
            if time.monotonic() >= deadline:
                print(f"Redis at {shown} did not answer within {timeout:g} s: {exc}", file=sys.stderr)
                return 1
            if not announced:
                print(f"waiting for Redis at {shown} ...", flush=True)
                announced = True
            time.sleep(0.25)


if __name__ == "__main__":
    sys.exit(main())
