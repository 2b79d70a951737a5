"""Room membership per process (issue 14): however many local sockets watch a lot, the process holds one
membership of the lot's group; each event reaches each local socket once; the last one out drops it; and after
the channel layer's Redis restarts, the rooms are back and every watcher gets a fresh state."""

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db.models import F

from auctions.events import auction_group, room_message
from auctions.models import Auction
from bidding import rooms
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def watcher(lot_id: int) -> WebsocketCommunicator:
    socket_ = WebsocketCommunicator(application, "/ws/auctions/", headers=[(b"origin", b"http://localhost")])
    assert (await socket_.connect())[0]
    await socket_.receive_json_from()  # session
    await socket_.send_json_to({"type": "auction:join", "auction_id": lot_id})
    assert (await socket_.receive_json_from(timeout=5))["type"] == "auction:state"
    return socket_


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory()


async def test_many_local_watchers_share_one_membership_and_get_each_event_once(lot, monkeypatch):
    hub = rooms.room_hub()
    calls = {"add": 0, "discard": 0}
    real_add, real_discard = hub.layer.group_add, hub.layer.group_discard

    async def counted_add(group, channel):
        calls["add"] += group == auction_group(lot.pk)
        return await real_add(group, channel)

    async def counted_discard(group, channel):
        calls["discard"] += group == auction_group(lot.pk)
        return await real_discard(group, channel)

    monkeypatch.setattr(hub.layer, "group_add", counted_add)
    monkeypatch.setattr(hub.layer, "group_discard", counted_discard)

    sockets = [await watcher(lot.pk) for _ in range(5)]
    assert calls["add"] == 1
    assert len(hub.members(auction_group(lot.pk))) == 5

    for remaining in (3000, 2000):
        event = {"type": "auction:timer", "auction_id": lot.pk, "seq": 0, "remaining_ms": remaining, "server_time": 1}
        await get_channel_layer().group_send(auction_group(lot.pk), room_message(event))
    for socket_ in sockets:
        received = [await socket_.receive_json_from(timeout=3) for _ in range(2)]
        assert [m["remaining_ms"] for m in received] == [3000, 2000]
        assert await socket_.receive_nothing(timeout=0.3)  # once, not once per local socket

    for socket_ in sockets:
        await socket_.disconnect()
    assert calls["discard"] == 1
    assert auction_group(lot.pk) not in hub.rooms


async def test_joins_of_one_room_share_the_snapshot_until_the_next_version(lot, django_assert_max_num_queries):
    first = await watcher(lot.pk)  # reads the database and files the snapshot
    hub = rooms.room_hub()
    assert hub.cached_snapshot(auction_group(lot.pk))["seq"] == lot.seq
    second = await watcher(lot.pk)
    assert hub.cached_snapshot(auction_group(lot.pk)) is not None
    event = {"type": "auction:update", "auction_id": lot.pk, "seq": lot.seq + 1, "server_time": 1}
    await get_channel_layer().group_send(auction_group(lot.pk), room_message(event))
    assert (await first.receive_json_from(timeout=3))["seq"] == lot.seq + 1
    assert hub.cached_snapshot(auction_group(lot.pk)) is None  # out of date: the next join reads afresh
    await first.disconnect()
    await second.disconnect()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def own_redis_layer(settings, monkeypatch):
    """The channel layer on a Redis server of this test's own, which it may stop and start."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed (Debian: apt-get install redis-server)")
    port = _free_port()
    server = _start_redis(port)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }
    monkeypatch.setattr(rooms, "PROBE_INTERVAL_SECONDS", 0.5)
    monkeypatch.setattr(rooms, "PROBE_TIMEOUT_SECONDS", 0.5)
    channel_layers.backends.pop("default", None)
    state = {"port": port, "server": server}
    yield state
    state["server"].kill()
    state["server"].wait()
    channel_layers.backends.pop("default", None)


async def test_after_a_redis_restart_the_rooms_are_back_and_every_watcher_resyncs(lot, own_redis_layer):
    sockets = [await watcher(lot.pk) for _ in range(2)]

    # When the channel layer's Redis goes away for a moment and comes back on the same address
    own_redis_layer["server"].kill()
    own_redis_layer["server"].wait()
    await asyncio.sleep(1.5)  # the hub's probe notices
    own_redis_layer["server"] = await asyncio.to_thread(_start_redis, own_redis_layer["port"])

    # Then every watcher gets a fresh state without asking
    for socket_ in sockets:
        while True:
            message = await socket_.receive_json_from(timeout=15)
            if message["type"] == "auction:state":
                break
        assert message["id"] == lot.pk

    # And the room's membership is live again: an event published now reaches every watcher
    event = {"type": "auction:timer", "auction_id": lot.pk, "seq": 0, "remaining_ms": 1234, "server_time": 1}
    deadline = time.monotonic() + 15
    delivered = False
    while not delivered and time.monotonic() < deadline:
        await get_channel_layer().group_send(auction_group(lot.pk), room_message(event))
        try:
            message = await sockets[0].receive_json_from(timeout=1)
            delivered = message.get("remaining_ms") == 1234
        except TimeoutError:
            pass
    assert delivered
    for socket_ in sockets:
        await socket_.disconnect()


class RecordingSocket:
    def __init__(self):
        self.got = []

    async def auction_event(self, message):
        self.got.append(message["seq"])


async def test_a_big_rooms_delivery_lets_other_work_in_and_keeps_each_sockets_order():
    members = [RecordingSocket() for _ in range(1000)]
    ran_during = []

    async def other_work():
        ran_during.append(sum(1 for member in members if member.got))

    for seq in (1, 2):
        task = asyncio.create_task(other_work())  # e.g. a bid's answer, ready while the room is being written to
        message = room_message({"type": "auction:update", "auction_id": 1, "seq": seq, "server_time": 1})
        await rooms.RoomHub._deliver("auction.1", members, message)
        await task
    assert all(member.got == [1, 2] for member in members)
    assert 0 < ran_during[0] < len(members)  # it ran before the last socket had the first event


class FramedSocket(RecordingSocket):
    """A socket whose server takes ready frames (uvicorn's protocol) until it says it cannot."""

    def __init__(self, takes_frames=True):
        super().__init__()
        self.frames = []
        self.takes_frames = takes_frames

    def write_event_frame(self, message, frame):
        if self.takes_frames:
            self.frames.append(frame)
        return self.takes_frames


async def test_a_room_event_is_framed_once_and_each_socket_that_cannot_take_it_gets_the_message():
    framed = [FramedSocket() for _ in range(3)]
    refusing = FramedSocket(takes_frames=False)  # closing, or joining that room
    plain = RecordingSocket()  # another server's socket: no direct writer at all
    message = room_message({"type": "auction:update", "auction_id": 1, "seq": 5, "server_time": 1})

    await rooms.RoomHub._deliver("auction.1", [*framed, refusing, plain], message)

    assert all(member.frames == [framed[0].frames[0]] and member.got == [] for member in framed)
    assert all(member.frames[0] is framed[0].frames[0] for member in framed)  # the same bytes, made once
    assert refusing.got == [5] and plain.got == [5]


async def test_a_socket_still_joining_a_room_leaves_its_events_to_be_held_back(lot):
    from bidding.consumers import AuctionConsumer

    consumer = AuctionConsumer()
    written = []
    consumer.write_frame = lambda frame: written.append(frame) or True
    consumer.held = {lot.pk: []}
    joining = room_message({"type": "auction:update", "auction_id": lot.pk, "seq": 9, "server_time": 1})
    other = room_message({"type": "auction:update", "auction_id": lot.pk + 1, "seq": 2, "server_time": 1})

    assert consumer.write_event_frame(joining, b"frame") is False  # held until its snapshot is sent
    assert consumer.write_event_frame(other, b"frame") is True and written == [b"frame"]
    consumer.write_frame = None  # daphne
    assert consumer.write_event_frame(other, b"frame") is False


async def test_while_redis_is_away_a_sync_reads_the_lot_afresh_rather_than_the_shared_snapshot(lot, own_redis_layer):
    """No event can mark the shared snapshot out of date while the channel layer is down: a bid taken meanwhile
    (on another server, or over REST) must show in the answer to `auction:sync`."""
    first = await watcher(lot.pk)
    hub = rooms.room_hub()
    assert hub.cached_snapshot(auction_group(lot.pk)) is not None

    # When Redis goes away and, meanwhile, the lot changes
    own_redis_layer["server"].kill()
    own_redis_layer["server"].wait()
    await asyncio.sleep(1.5)  # the hub's probe notices
    await sync_to_async(Auction.objects.filter(pk=lot.pk).update)(current_price=2_000_000, seq=F("seq") + 1)

    # Then a sync answers the lot as it stands
    await first.send_json_to({"type": "auction:sync", "auction_id": lot.pk})
    while (state := await first.receive_json_from(timeout=5))["type"] != "auction:state":
        pass
    assert (state["seq"], state["current_price"]) == (lot.seq + 1, 2_000_000)
    await first.disconnect()
