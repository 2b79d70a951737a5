"""What the bid service and the auction-room socket record (config/metrics.py): each attempt under its outcome and
source, each socket, room and delivered event."""

import uuid

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from prometheus_client import REGISTRY

from auctions.events import auction_group, room_message
from auctions.wire import server_time_ms
from bidding.errors import BidTooLow
from config.asgi import application
from tests.bidding.conftest import place
from tests.bidding.factories import ActiveAuctionFactory

ORIGIN = [(b"origin", b"http://localhost")]


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """The change of some samples across a block: `with Delta(name, labels...) as delta: ...; delta.value`."""

    def __init__(self, name: str, **labels):
        self.name, self.labels = name, labels

    def __enter__(self):
        self.before = value(self.name, **self.labels)
        return self

    def __exit__(self, *exc):
        self.value = value(self.name, **self.labels) - self.before


@pytest.mark.django_db
def test_an_accepted_bid_a_replay_and_a_refusal_each_count_under_their_outcome_and_source(bidder, rival):
    auction = ActiveAuctionFactory(start_price=1_000_000)
    key = uuid.uuid4()
    with (
        Delta("umaseri_bids_total", outcome="accepted", source="ws") as accepted,
        Delta("umaseri_bids_total", outcome="replayed", source="ws") as replayed,
        Delta("umaseri_bids_total", outcome="bid_too_low", source="rest") as too_low,
        Delta("umaseri_bid_place_duration_seconds_count", source="ws") as timed_ws,
        Delta("umaseri_bid_place_duration_seconds_count", source="rest") as timed_rest,
    ):
        place(auction, bidder, 1_000_000, key=key, source="ws")
        place(auction, bidder, 1_000_000, key=key, source="ws")
        with pytest.raises(BidTooLow):
            place(auction, rival, 1_000_000, source="rest")

    assert (accepted.value, replayed.value, too_low.value) == (1, 1, 1)
    assert (timed_ws.value, timed_rest.value) == (2, 1)


@pytest.mark.django_db
def test_a_bid_that_fails_for_no_rule_counts_as_an_error(bidder, monkeypatch):
    auction = ActiveAuctionFactory()

    def broken(**kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr("bidding.services.bid_rate_allow", broken)
    with Delta("umaseri_bids_total", outcome="error", source="rest") as errors, pytest.raises(ConnectionError):
        place(auction, bidder, auction.start_price)

    assert errors.value == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_is_counted_open_while_it_lives_and_its_rooms_as_joined_and_left():
    from asgiref.sync import sync_to_async

    lots = await sync_to_async(lambda: [ActiveAuctionFactory(lot_number=n) for n in (1, 2)])()
    opened, joins = value("umaseri_ws_open_sockets"), value("umaseri_ws_room_joins_total")
    leaves = value("umaseri_ws_room_leaves_total")
    normal = value("umaseri_ws_disconnections_total", reason="normal")

    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=ORIGIN)
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    assert value("umaseri_ws_open_sockets") == opened + 1
    for lot in lots:
        await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
        await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lots[0].pk})  # already in: not a new join
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:leave", "auction_id": lots[0].pk})
    await socket.receive_json_from()
    assert value("umaseri_ws_room_joins_total") == joins + 2
    assert value("umaseri_ws_room_leaves_total") == leaves + 1

    await socket.disconnect(code=1000)

    assert value("umaseri_ws_open_sockets") == opened
    assert value("umaseri_ws_room_leaves_total") == leaves + 2  # the room it was still in
    assert value("umaseri_ws_disconnections_total", reason="normal") == normal + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_room_event_sent_down_a_socket_records_its_delay_since_the_stamp_at_the_hub_and_at_the_last_socket():
    from asgiref.sync import sync_to_async

    lot = await sync_to_async(ActiveAuctionFactory)()
    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=ORIGIN)
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    await socket.receive_json_from()
    count = value("umaseri_event_delivery_seconds_count", event="auction:timer")
    total = value("umaseri_event_delivery_seconds_sum", event="auction:timer")
    arrived = value("umaseri_event_arrival_seconds_count", event="auction:timer")
    arrival_total = value("umaseri_event_arrival_seconds_sum", event="auction:timer")

    stamped_a_second_ago = server_time_ms() - 1000
    event = {"type": "auction:timer", "auction_id": lot.pk, "server_time": stamped_a_second_ago}
    await get_channel_layer().group_send(auction_group(lot.pk), room_message(event))
    await socket.receive_from(timeout=3)

    assert value("umaseri_event_delivery_seconds_count", event="auction:timer") == count + 1
    assert value("umaseri_event_delivery_seconds_sum", event="auction:timer") - total >= 1.0
    assert value("umaseri_event_arrival_seconds_count", event="auction:timer") == arrived + 1
    assert value("umaseri_event_arrival_seconds_sum", event="auction:timer") - arrival_total >= 1.0
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_server_records_how_late_its_event_loop_runs_a_timer(monkeypatch):
    import asyncio
    import time

    from asgiref.sync import sync_to_async

    from bidding import rooms

    monkeypatch.setattr(rooms, "LAG_SAMPLE_SECONDS", 0.02)
    lot = await sync_to_async(ActiveAuctionFactory)()
    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=ORIGIN)
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})  # the room hub starts sampling
    await socket.receive_json_from()
    await asyncio.sleep(0.1)
    samples = value("umaseri_event_loop_lag_seconds_count")
    total = value("umaseri_event_loop_lag_seconds_sum")

    time.sleep(0.3)  # something holds the event loop
    await asyncio.sleep(0.1)

    assert value("umaseri_event_loop_lag_seconds_count") > samples
    assert value("umaseri_event_loop_lag_seconds_sum") - total >= 0.25
    await socket.disconnect()


@pytest.mark.parametrize(("code", "reason"), [(1000, "normal"), (1001, "normal"), (1006, "abnormal"), (4003, "other")])
def test_close_codes_map_to_a_few_reasons(code, reason):
    from config.metrics import disconnect_reason

    assert disconnect_reason(code) == reason


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_bid_records_its_wait_for_a_thread_and_its_whole_time_to_the_answer(bidder, monkeypatch):
    import time

    from asgiref.sync import sync_to_async
    from rest_framework_simplejwt.tokens import AccessToken

    from bidding import services

    real_bid_place = services.bid_place

    def slow_bid_place(**kwargs):
        time.sleep(0.2)  # what the answer's stage must include and the wait must not
        return real_bid_place(**kwargs)

    monkeypatch.setattr(services, "bid_place", slow_bid_place)
    lot = await sync_to_async(ActiveAuctionFactory)()
    socket = WebsocketCommunicator(application, f"/ws/auctions/?token={AccessToken.for_user(bidder)}", headers=ORIGIN)
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    await socket.receive_json_from()

    def readings() -> dict:
        return {
            (stage, part): value(f"umaseri_socket_bid_seconds_{part}", stage=stage)
            for stage in ("waited", "answered")
            for part in ("count", "sum")
        }

    before = readings()
    key = str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": key}
    )
    while (await socket.receive_json_from(timeout=5))["type"] != "auction:bid:accepted":
        pass

    grown = {reading: after - before[reading] for reading, after in readings().items()}
    assert grown["waited", "count"] == 1 and grown["answered", "count"] == 1
    assert grown["answered", "sum"] >= 0.2
    assert grown["waited", "sum"] < 0.2
    await socket.disconnect()
