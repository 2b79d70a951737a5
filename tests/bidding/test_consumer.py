"""The auction-room socket: join, state, bids and relayed events, and bad frames (ws side of the wire contract)."""

import itertools
import json
import uuid

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from auctions.events import auction_group, room_message
from auctions.models import AuditEntry
from bidding.models import Bid
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://localhost")]


async def connect(user=None) -> WebsocketCommunicator:
    path = "/ws/auctions/"
    if user is not None:
        path += f"?token={AccessToken.for_user(user)}"
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    session = await socket.receive_json_from()
    assert session["type"] == "session"
    return socket


async def receive_until(socket, wanted: str, timeout: float = 3) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == wanted:
            return message


async def join(socket, auction_id: int) -> dict:
    await socket.send_json_to({"type": "auction:join", "auction_id": auction_id})
    return await receive_until(socket, "auction:state")


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory(reserve_price=3_000_000)


async def test_join_sends_a_full_snapshot_without_the_reserve(lot, bidder):
    socket = await connect(bidder)
    state = await join(socket, lot.pk)
    assert state["id"] == lot.pk
    assert state["status"] == "active"
    assert state["min_next_bid"] == 1_000_000
    assert isinstance(state["server_time"], int)
    assert isinstance(state["ends_at_ms"], int)
    assert "reserve_price" not in state
    assert state["has_reserve"] is True
    await socket.disconnect()


async def test_bid_is_answered_to_the_sender_and_broadcast_to_the_room(lot, bidder, viewer):
    # Given a bidder and a viewer in the same room
    bidder_socket, viewer_socket = await connect(bidder), await connect(viewer)
    await join(bidder_socket, lot.pk)
    await join(viewer_socket, lot.pk)
    key = str(uuid.uuid4())

    # When the bidder bids over the socket
    await bidder_socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": key}
    )

    # Then the bidder gets the answer carrying its key, and the viewer the update by paddle number only
    accepted = await receive_until(bidder_socket, "auction:bid:accepted")
    assert accepted["idempotency_key"] == key
    assert accepted["bid"]["amount"] == 1_000_000
    update = await receive_until(viewer_socket, "auction:update")
    assert update["current_price"] == 1_000_000
    assert update["high_bidder_paddle"] == bidder.paddle_number
    assert update["bid"]["paddle_number"] == bidder.paddle_number
    assert bidder.username not in json.dumps(update)
    assert update["min_next_bid"] == 1_100_000
    await bidder_socket.disconnect()
    await viewer_socket.disconnect()


async def test_rejected_bid_carries_its_code_and_key(lot, viewer):
    socket = await connect(viewer)
    await join(socket, lot.pk)
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": "k-1"}
    )
    rejected = await receive_until(socket, "auction:bid:rejected")
    assert rejected["code"] == "invalid_idempotency_key"
    key = str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": key}
    )
    rejected = await receive_until(socket, "auction:bid:rejected")
    assert (rejected["code"], rejected["idempotency_key"]) == ("not_allowed", key)
    assert rejected["detail"]
    await socket.disconnect()


async def test_anonymous_watcher_may_join_but_not_bid(lot):
    socket = await connect()
    await join(socket, lot.pk)
    key = str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": key}
    )
    assert (await receive_until(socket, "auction:bid:rejected"))["code"] == "not_allowed"
    await socket.disconnect()


@pytest.fixture
def two_lots(db):
    return ActiveAuctionFactory(), ActiveAuctionFactory()


async def test_one_socket_watches_many_rooms_and_can_leave_one(bidder, rival, two_lots):
    # Given a watcher in two rooms, who hears a bid in the second
    stays, leaves = two_lots
    watcher = await connect()
    await join(watcher, stays.pk)
    await join(watcher, leaves.pk)
    bidding, rivalling = await connect(bidder), await connect(rival)
    await join(bidding, stays.pk)
    await join(bidding, leaves.pk)
    await join(rivalling, leaves.pk)
    await bid(bidding, leaves.pk, 1_000_000)
    heard = await room_events_until(watcher, await tick(leaves.pk))
    assert ("auction:update", leaves.pk) in [(event["type"], event["auction_id"]) for event in heard]

    # When the watcher leaves that room, and the room then has news (a bid), handed to everyone still in it (the
    # bidder hears the tick that follows it: room events reach the sockets in the order they were published)
    await watcher.send_json_to({"type": "auction:leave", "auction_id": leaves.pk})
    await receive_until(watcher, "auction:left")
    await bid(rivalling, leaves.pk, 1_100_000)
    await room_events_until(bidding, await tick(leaves.pk))
    # and only then the room it stayed in has news too
    await bid(bidding, stays.pk, 1_000_000)
    marker = await tick(stays.pk)

    # Then the watcher hears the room it stayed in, up to its tick, and nothing of the room it left: had that bid
    # reached the watcher, it would have arrived first.
    heard = await room_events_until(watcher, marker)
    assert {event["auction_id"] for event in heard} == {stays.pk}
    assert "auction:update" in [event["type"] for event in heard]
    for socket in (watcher, bidding, rivalling):
        await socket.disconnect()


async def bid(socket, auction_id: int, amount: int) -> None:
    """A bid over the socket, answered before this returns: its room events are on the layer by then."""
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": auction_id, "amount": amount, "idempotency_key": str(uuid.uuid4())}
    )
    assert (await receive_until(socket, "auction:bid:accepted"))["auction_id"] == auction_id


async def tick(auction_id: int) -> dict:
    """A timer tick to the room, told apart from every other by its `remaining_ms`; returns it."""
    event = {"type": "auction:timer", "auction_id": auction_id, "remaining_ms": next(_tick_marks), "server_time": 1}
    await get_channel_layer().group_send(auction_group(auction_id), room_message(event))
    return event


_tick_marks = itertools.count(1)


async def room_events_until(socket, tick_sent: dict) -> list[dict]:
    """Every room event (anything carrying an auction id) the socket receives, up to and with the given tick."""
    heard = []
    while True:
        message = await socket.receive_json_from(timeout=3)
        if "auction_id" in message:
            heard.append(message)
        if message["type"] == "auction:timer" and message["remaining_ms"] == tick_sent["remaining_ms"]:
            return heard


async def test_state_on_request_resyncs(lot, bidder):
    socket = await connect(bidder)
    await join(socket, lot.pk)
    await socket.send_json_to({"type": "auction:state", "auction_id": lot.pk})
    assert (await receive_until(socket, "auction:state"))["id"] == lot.pk
    await socket.disconnect()


BAD_FRAMES = [
    ("not json", "invalid_json"),
    ('"just a string"', "invalid_message"),
    ("[1, 2]", "invalid_message"),
    ('{"no": "type"}', "invalid_message"),
    ('{"type": "auction:dance"}', "unknown_type"),
    ('{"type": "auction:join"}', "missing_field"),
    ('{"type": "auction:join", "auction_id": "seven"}', "invalid_field"),
    ('{"type": "auction:join", "auction_id": -1}', "invalid_field"),
    ('{"type": "auction:join", "auction_id": 999999}', "auction_not_found"),
    ('{"type": "auction:bid", "auction_id": 999999, "amount": 1000000}', "missing_field"),
    ('{"type": "auction:bid", "auction_id": 999999, "idempotency_key": "x"}', "missing_field"),
    ('{"type": "auction:bid", "auction_id": 999999, "amount": 1000000, "idempotency_key": "x"}', "not_joined"),
    ('{"type": "auction:state", "auction_id": 1}', "not_joined"),
    ('{"type": "x", "pad": "' + "a" * 70_000 + '"}', "message_too_large"),
]


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
async def test_bad_frames_get_an_error_with_a_code_and_the_socket_stays_usable(lot, bidder, frame, code):
    socket = await connect(bidder)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    assert error["detail"]
    # Still usable afterwards
    assert (await join(socket, lot.pk))["id"] == lot.pk
    await socket.disconnect()


@pytest.mark.parametrize("amount", ["1000000", -1_000_000, 1_000_000.5, 0, None, True])
async def test_bad_amounts_are_rejected_and_nothing_is_written(lot, bidder, amount):
    socket = await connect(bidder)
    await join(socket, lot.pk)
    key = str(uuid.uuid4())
    await socket.send_json_to({"type": "auction:bid", "auction_id": lot.pk, "amount": amount, "idempotency_key": key})
    rejected = await receive_until(socket, "auction:bid:rejected")
    assert rejected["code"] == "invalid_amount"
    assert not await Bid.objects.filter(auction=lot).aexists()
    # The attempt itself is on the audit log, as every attempt is.
    assert await AuditEntry.objects.filter(auction=lot, outcome="invalid_amount").acount() == 1
    await socket.disconnect()


async def test_binary_frames_are_refused(lot, bidder):
    socket = await connect(bidder)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["code"] == "invalid_json"
    await socket.disconnect()


async def test_a_flood_of_bad_frames_closes_the_socket_with_the_abuse_code(bidder):
    socket = await connect(bidder)
    for _ in range(20):
        await socket.send_to(text_data="garbage")
    codes = []
    while True:
        output = await socket.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            assert output["code"] == 4429
            break
        codes.append(json.loads(output["text"])["code"])
    assert set(codes) == {"invalid_json"}


async def test_a_draft_cannot_be_joined_but_by_an_organizer(bidder, auctioneer):
    from asgiref.sync import sync_to_async

    from tests.auctions.factories import AuctionFactory

    draft = await sync_to_async(AuctionFactory)()
    outsider = await connect(bidder)
    await outsider.send_json_to({"type": "auction:join", "auction_id": draft.pk})
    assert (await receive_until(outsider, "error"))["code"] == "auction_not_found"
    organizer = await connect(auctioneer)
    assert (await join(organizer, draft.pk))["status"] == "draft"
    await outsider.disconnect()
    await organizer.disconnect()


async def test_a_socket_bid_is_placed_in_the_servers_bid_threads_not_its_default_pool(lot, bidder, monkeypatch):
    import threading

    from bidding import services

    real_bid_place, threads = services.bid_place, []

    def recording_bid_place(**kwargs):
        threads.append(threading.current_thread().name)
        return real_bid_place(**kwargs)

    monkeypatch.setattr(services, "bid_place", recording_bid_place)
    socket = await connect(bidder)
    await join(socket, lot.pk)

    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": str(uuid.uuid4())}
    )
    await receive_until(socket, "auction:bid:accepted")

    assert len(threads) == 1 and threads[0].startswith("bid_"), threads  # WS_BID_THREADS' pool
    await socket.disconnect()
