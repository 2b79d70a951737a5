"""Bid rate limit: a sliding one-minute window in Redis, shared by every server process, per user (or per address
for anonymous sockets). Asked before the lot is locked, never while a lock is held."""

import time
import uuid

from django.conf import settings
from django_redis import get_redis_connection

WINDOW_SECONDS = 60

# Atomic: drop entries older than the window, count, and add this attempt only if under the limit.
_SLIDING_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {0, math.ceil(tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', key, now, member)
redis.call('EXPIRE', key, window + 1)
return {1, 0}
"""


def bid_rate_allow(*, bucket: str) -> tuple[bool, int]:
    """Count one bid attempt in `bucket` ("u:<user id>" or "a:<address>"). Returns (allowed, seconds until the
    next attempt is allowed)."""
    redis = get_redis_connection("default")
    script = redis.register_script(_SLIDING_WINDOW)
    allowed, retry_after = script(
        keys=[f"bidrate:{bucket}"],
        args=[time.time(), WINDOW_SECONDS, settings.BID_RATE_LIMIT_PER_MINUTE, uuid.uuid4().hex],
    )
    return bool(allowed), max(1, int(retry_after))
