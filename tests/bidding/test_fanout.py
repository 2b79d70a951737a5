"""Room events and the socket's own frames are handled straight on the event loop. Channels' consumers would hop
to the one sync thread before every message to close stale database connections; at one timer tick per socket
per second that hop was a third of the server's time with 10,000 sockets (bench/RESULTS.md). The tests hold that
thread busy and see the socket served meanwhile: no private name of Channels is involved."""

import asyncio
import contextlib
import logging
import threading

import pytest
from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from auctions.events import auction_group, room_message
from bidding.consumers import AuctionConsumer
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory()


@contextlib.asynccontextmanager
async def the_sync_thread_held():
    """Holds the one sync thread (where every thread-sensitive sync_to_async outside a sync context runs, Channels'
    hop included) busy until the block ends: anything that hops to it meanwhile waits."""
    busy, release = threading.Event(), threading.Event()

    def hold():
        busy.set()
        release.wait()

    holder = asyncio.create_task(sync_to_async(hold, thread_sensitive=True)())
    try:
        assert await asyncio.to_thread(busy.wait, 10), "the sync thread never became free to hold"
        yield
        assert not holder.done()
    finally:
        release.set()
        await holder


async def receive_while_held(socket, count: int) -> list[dict]:
    try:
        return [await socket.receive_json_from(timeout=3) for _ in range(count)]
    except TimeoutError:
        pytest.fail("the socket waited for the held sync thread: something hops to it before each message")


async def joined(lot) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=[(b"origin", b"http://localhost")])
    assert (await socket.connect())[0]
    await socket.receive_json_from()  # session
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    assert (await socket.receive_json_from())["type"] == "auction:state"
    return socket


async def test_room_events_reach_the_socket_without_a_hop_to_the_sync_thread(lot):
    socket = await joined(lot)
    # While the sync thread is held, three timer ticks reach the room, and the socket gets all three
    async with the_sync_thread_held():
        for remaining in (3000, 2000, 1000):
            event = {"type": "auction:timer", "auction_id": lot.pk, "remaining_ms": remaining, "server_time": 1}
            await get_channel_layer().group_send(auction_group(lot.pk), room_message(event))
        received = await receive_while_held(socket, 3)
    assert [message["remaining_ms"] for message in received] == [3000, 2000, 1000]
    await socket.disconnect()


async def test_frames_are_answered_without_a_hop_to_the_sync_thread(lot):
    socket = await joined(lot)
    # While the sync thread is held, a request for the room's state and a bad frame are both answered
    async with the_sync_thread_held():
        await socket.send_json_to({"type": "auction:state", "auction_id": lot.pk})
        await socket.send_to(text_data="not json")
        received = await receive_while_held(socket, 2)
    assert [(message["type"], message.get("code")) for message in received] == [
        ("auction:state", None),
        ("error", "invalid_json"),
    ]
    await socket.disconnect()


async def test_an_event_is_sent_as_the_publisher_encoded_it(lot):
    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=[(b"origin", b"http://localhost")])
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    await socket.receive_json_from()

    event = {"type": "auction:timer", "auction_id": lot.pk, "ends_at": "2026-11-28T10:00:00+09:00", "server_time": 7}
    message = room_message(event)
    await get_channel_layer().group_send(auction_group(lot.pk), message)

    assert await socket.receive_from(timeout=3) == message["text"]
    await socket.disconnect()


async def test_an_event_for_a_socket_that_just_closed_is_dropped_quietly(lot, caplog):
    consumer = AuctionConsumer()
    consumer.user = None
    attempts = []

    async def closed_protocol(message):
        attempts.append(message)
        raise Disconnected("Attempt to send on a closed protocol")

    consumer.base_send = closed_protocol
    # When the event arrives after the peer has gone (the send is tried and the protocol refuses it)
    await consumer.auction_event(room_message({"type": "auction:timer", "auction_id": lot.pk}))

    # Then it is dropped: no exception out of the handler (above), and nothing logged as a problem
    assert len(attempts) == 1
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
