"""Watchers online across processes (issue 16's console): each room hub reports its sockets per lot to Redis, the
console sums the reports; a hub that stops is forgotten; Redis down makes the count unknown, not zero. On the real
Redis, under the test settings' prefix."""

import asyncio
import os

import pytest
import redis
from django.conf import settings

from auctions.events import auction_group, user_group
from bidding import presence
from bidding.rooms import RoomHub

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


class Socket:
    """A stand-in for a consumer: the hub only keeps it in a set and hands it messages."""

    async def auction_event(self, message):
        pass


async def counted(lots, expected, timeout: float = 5.0) -> dict[int, int] | None:
    """The console's reading, once it equals `expected` (or the last one read at the timeout)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await asyncio.to_thread(presence.watchers_online, lots)
        if seen == expected or asyncio.get_running_loop().time() > deadline:
            return seen
        await asyncio.sleep(0.1)


@pytest.fixture
def fast_reports(monkeypatch):
    monkeypatch.setattr(presence, "REPORT_INTERVAL_SECONDS", 0.2)


async def stop(hub: RoomHub) -> None:
    for group, room in list(hub.rooms.items()):
        for member in list(room.members):
            await hub.discard(group, member)
    for task in (hub.probe_task, hub.lag_task, getattr(hub, "presence_task", None)):
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_the_console_counts_the_watchers_of_two_processes(fast_reports):
    # Given two socket servers (two room hubs): A has 2 sockets on lot 7 and 1 on lot 8, B has 3 on lot 7, and a
    # signed-in user's own channel (not a lot) on A
    a, b = RoomHub(), RoomHub()
    try:
        a_sockets = [Socket() for _ in range(3)]
        b_sockets = [Socket() for _ in range(3)]
        await a.add(auction_group(7), a_sockets[0])
        await a.add(auction_group(7), a_sockets[1])
        await a.add(auction_group(8), a_sockets[2])
        await a.add(user_group(5), a_sockets[0])
        for sock in b_sockets:
            await b.add(auction_group(7), sock)

        # Then the console sees the sum over both, and zero for a lot nobody watches
        assert await counted([7, 8, 9], {7: 5, 8: 1, 9: 0}) == {7: 5, 8: 1, 9: 0}

        # When a socket leaves B, the count follows within a report
        await b.discard(auction_group(7), b_sockets[0])
        assert await counted([7, 8], {7: 4, 8: 1}) == {7: 4, 8: 1}

        # When B stops (its process shuts down), its watchers are no longer counted at once
        b.presence_task.cancel()
        await asyncio.gather(b.presence_task, return_exceptions=True)
        assert await asyncio.to_thread(presence.watchers_online, [7, 8]) == {7: 2, 8: 1}

        # And the keys are the test run's own (the prefix carries TEST_DB_NAME)
        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = {key.decode() for key in client.keys(f"{settings.PRESENCE_KEY_PREFIX}:*")}
        assert keys == {presence.hubs_key(), presence.hub_key(a.presence_hub_id)}
        assert os.environ.get("TEST_DB_NAME", "test") in settings.PRESENCE_KEY_PREFIX
    finally:
        await stop(a)
        await stop(b)


async def test_a_process_that_dies_is_forgotten_after_the_ttl(monkeypatch):
    # Given a report from a process that then died without a word (no clean shutdown)
    client = presence._client()
    try:
        await presence.write_counts(client, hub_id="gone:1:dead", counts={7: 4})
        assert await asyncio.to_thread(presence.watchers_online, [7]) == {7: 4}
        # Then its hash expires on its own, TTL_SECONDS after its last report
        ttl = await client.ttl(presence.hub_key("gone:1:dead"))
        assert 0 < ttl <= presence.TTL_SECONDS
        # and a reader ignores a process not heard from within the TTL even before Redis drops the hash
        monkeypatch.setattr(presence.time, "time", lambda: 10**10)
        assert await asyncio.to_thread(presence.watchers_online, [7]) == {7: 0}
    finally:
        await client.aclose()


async def test_with_redis_down_the_count_is_unknown_and_the_hub_goes_on(settings, fast_reports):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert await asyncio.to_thread(presence.watchers_online, [7]) is None

    # The reporter of a hub keeps trying without taking the hub down with it
    hub = RoomHub()
    try:
        await hub.add(auction_group(7), Socket())
        await asyncio.sleep(0.5)
        assert not hub.presence_task.done()
        assert len(hub.members(auction_group(7))) == 1
    finally:
        await stop(hub)
