"""Watchers online per lot, summed over every ASGI process (the auctioneer's console, issue 16).

A process's room hub (bidding.rooms) knows only its own sockets. So each hub reports: every
REPORT_INTERVAL_SECONDS it writes its count of sockets per lot into a Redis hash of its own,
`<prefix>:hub:<hub id>` (field: the lot's id, value: its sockets), which expires TTL_SECONDS later unless it is
written again, and notes itself in the sorted set `<prefix>:hubs` (score: when it last wrote). A reader sums the
hashes of the hubs heard from within the TTL. A process that dies is forgotten within TTL_SECONDS; one that exits
cleanly removes its hash at once.

A watcher is a socket in the lot's room: a signed-in user with two tabs open counts twice, an anonymous socket
once, and a list page (which joins every lot it shows) counts on each of its lots.

Redis away: the writer logs once and keeps trying; the reader answers None ("unknown"), never an error, and never
waits more than READ_TIMEOUT_SECONDS.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable

import redis
import redis.asyncio
from django.conf import settings

from auctions.events import auction_of_group

logger = logging.getLogger(__name__)

REPORT_INTERVAL_SECONDS = 2.0
TTL_SECONDS = 10
WRITE_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0


def _prefix() -> str:
    return settings.PRESENCE_KEY_PREFIX


def hubs_key() -> str:
    return f"{_prefix()}:hubs"


def hub_key(hub_id: str) -> str:
    return f"{_prefix()}:hub:{hub_id}"


def new_hub_id() -> str:
    """Unique per hub: the host and process for whoever reads Redis by hand, and a random part (a process may run
    several hubs, one per event loop, and a pid may be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def local_counts(hub) -> dict[int, int]:
    """This hub's sockets per lot (its rooms that are lots, not users' own channels)."""
    counts = {}
    for group, room in list(hub.rooms.items()):
        auction_id = auction_of_group(group)
        if auction_id is not None and room.members:
            counts[auction_id] = len(room.members)
    return counts


# --- writing: one task per hub ---------------------------------------------------------------------------------


async def write_counts(client, *, hub_id: str, counts: dict[int, int], now: float | None = None) -> None:
    """Replace this hub's counts in Redis, in one transaction (a reader never sees the hash half-written)."""
    now = time.time() if now is None else now
    key = hub_key(hub_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        if counts:
            pipe.hset(key, mapping={str(lot): count for lot, count in counts.items()})
            pipe.expire(key, TTL_SECONDS)
        pipe.zadd(hubs_key(), {hub_id: now})
        pipe.zremrangebyscore(hubs_key(), "-inf", now - TTL_SECONDS)
        pipe.expire(hubs_key(), TTL_SECONDS * 6)
        await pipe.execute()


async def forget_hub(client, *, hub_id: str) -> None:
    async with client.pipeline(transaction=True) as pipe:
        pipe.delete(hub_key(hub_id))
        pipe.zrem(hubs_key(), hub_id)
        await pipe.execute()


def _client() -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL, socket_timeout=WRITE_TIMEOUT_SECONDS, socket_connect_timeout=WRITE_TIMEOUT_SECONDS
    )


async def report_forever(hub, *, hub_id: str) -> None:
    """Write the hub's counts every REPORT_INTERVAL_SECONDS until cancelled; then remove them."""
    client = _client()
    failing = False
    try:
        while True:
            try:
                async with asyncio.timeout(WRITE_TIMEOUT_SECONDS * 2):
                    await write_counts(client, hub_id=hub_id, counts=local_counts(hub))
                if failing:
                    logger.info("presence: Redis reachable again, watcher counts reported")
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    logger.warning("presence: cannot report watcher counts (%s)", type(exc).__name__)
                failing = True
            await asyncio.sleep(REPORT_INTERVAL_SECONDS)
    finally:
        with contextlib.suppress(BaseException):
            async with asyncio.timeout(WRITE_TIMEOUT_SECONDS):
                await forget_hub(client, hub_id=hub_id)
        with contextlib.suppress(BaseException):
            await client.aclose()


def ensure_reporting(hub) -> None:
    """Start the hub's report task if it is not running (called by the hub when it gets its first room)."""
    task = getattr(hub, "presence_task", None)
    if task is None or task.done():
        hub.presence_hub_id = getattr(hub, "presence_hub_id", None) or new_hub_id()
        hub.presence_task = asyncio.create_task(report_forever(hub, hub_id=hub.presence_hub_id), name="presence-report")


# --- reading: the console ----------------------------------------------------------------------------------------

_read_clients: dict[str, redis.Redis] = {}


def _read_client() -> redis.Redis:
    url = settings.REDIS_URL
    client = _read_clients.get(url)
    if client is None:
        client = _read_clients[url] = redis.Redis.from_url(
            url, socket_timeout=READ_TIMEOUT_SECONDS, socket_connect_timeout=READ_TIMEOUT_SECONDS
        )
    return client


def watchers_online(auction_ids: Iterable[int]) -> dict[int, int] | None:
    """Sockets watching each lot, over every process that reported within TTL_SECONDS; None when Redis cannot be
    read (the count is then unknown, not zero)."""
    ids = [int(auction_id) for auction_id in auction_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    try:
        client = _read_client()
        hub_ids = client.zrangebyscore(hubs_key(), time.time() - TTL_SECONDS, "+inf")
        if hub_ids:
            pipe = client.pipeline(transaction=False)
            for hub_id in hub_ids:
                pipe.hmget(hub_key(hub_id.decode()), [str(auction_id) for auction_id in ids])
            for values in pipe.execute():
                for auction_id, value in zip(ids, values, strict=True):
                    if value is not None:
                        counts[auction_id] += int(value)
    except (redis.RedisError, OSError, ValueError) as exc:
        logger.warning("presence: watcher counts unknown (%s)", type(exc).__name__)
        return None
    return counts
