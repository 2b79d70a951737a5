"""Bid rate limit: a sliding one-minute window in Redis, shared by every server process, per user (or per address
for anonymous sockets). Asked before the lot is locked, never while a lock is held."""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from .models import Bid

logger = logging.getLogger(__name__)

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
    try:
        redis = get_redis_connection("default")
        script = redis.register_script(_SLIDING_WINDOW)
        allowed, retry_after = script(
            keys=[f"bidrate:{bucket}"],
            args=[time.time(), WINDOW_SECONDS, settings.BID_RATE_LIMIT_PER_MINUTE, uuid.uuid4().hex],
        )
    except RedisError as exc:
        # Redis is not needed to bid: count the user's bids of the last minute in PostgreSQL instead (their
        # accepted ones; refusals are not counted while Redis is away). Anonymous attempts are refused anyway.
        logger.warning("bid rate limit falls back to PostgreSQL: %s", type(exc).__name__)
        return _allow_from_database(bucket)
    return bool(allowed), max(1, int(retry_after))


def _allow_from_database(bucket: str) -> tuple[bool, int]:
    kind, _sep, key = bucket.partition(":")
    if kind != "u":
        return True, 0
    since = timezone.now() - timedelta(seconds=WINDOW_SECONDS)
    recent = list(
        Bid.objects.filter(bidder_id=int(key), placed_at__gte=since)
        .order_by("placed_at")
        .values_list("placed_at", flat=True)[: settings.BID_RATE_LIMIT_PER_MINUTE]
    )
    if len(recent) < settings.BID_RATE_LIMIT_PER_MINUTE:
        return True, 0
    wait = (recent[0] + timedelta(seconds=WINDOW_SECONDS) - timezone.now()).total_seconds()
    return False, max(1, int(wait) + 1)
