"""Socket bids placed in a server's own bid processes (WS_BID_PROCESSES, bidding/bid_processes.py), on a real
uvicorn: the same answers as from its thread pool, in the socket's language; the room hears the bid; a retry is
answered, not placed again; and a bid process that dies costs the socket a reconnect, never a bid."""

import asyncio
import json
import os
import pickle
import signal
import urllib.request
import uuid
from pathlib import Path

import pytest
import websockets
from rest_framework_simplejwt.tokens import AccessToken

from bidding.models import Bid, MaxBid
from config.outage import OUTAGE_ERRORS
from tests.bidding.factories import ActiveAuctionFactory
from tests.live_stack import LiveStack

pytestmark = pytest.mark.django_db(transaction=True)

METRICS_TOKEN = "bid-processes-test"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    stack = LiveStack(
        servers=1,
        asgi_servers=("uvicorn",),
        worker=False,
        beat=False,
        extra_env={"WS_BID_PROCESSES": "1", "METRICS_TOKEN": METRICS_TOKEN},
    )
    with stack.running():
        yield stack


async def _socket(server, user, language: str = "ja"):
    url = server.ws_url(0, str(AccessToken.for_user(user)))
    headers = {"Accept-Language": language}
    return await websockets.connect(url, origin="http://localhost", compression=None, additional_headers=headers)


async def _next(socket, *types: str, timeout: float = 10) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] in types:
            return frame


async def _join(socket, lot) -> dict:
    await socket.send(json.dumps({"type": "auction:join", "auction_id": lot.pk}))
    return await _next(socket, "auction:state")


def _bid(lot, amount: int, key: str) -> str:
    return json.dumps({"type": "auction:bid", "auction_id": lot.pk, "amount": amount, "idempotency_key": key})


def test_a_socket_bid_in_a_bid_process_is_answered_and_heard_by_the_room_and_a_retry_is_not_placed_again(
    server, bidder, rival
):
    lot = ActiveAuctionFactory()

    async def scenario():
        async with await _socket(server, bidder) as bidding, await _socket(server, rival) as watching:
            state = await _join(bidding, lot)
            await _join(watching, lot)
            key = str(uuid.uuid4())
            await bidding.send(_bid(lot, state["min_next_bid"], key))
            accepted = await _next(bidding, "auction:bid:accepted", "auction:bid:rejected", "error", timeout=60)
            heard = await _next(watching, "auction:update")
            await bidding.send(_bid(lot, state["min_next_bid"], key))  # the same tap, again
            replayed = await _next(bidding, "auction:bid:accepted", "auction:bid:rejected", "error")
            return state, accepted, heard, replayed

    state, accepted, heard, replayed = asyncio.run(scenario())

    assert accepted["type"] == "auction:bid:accepted", accepted
    assert accepted["bid"]["amount"] == state["min_next_bid"]
    assert heard["current_price"] == state["min_next_bid"]
    assert replayed["type"] == "auction:bid:accepted", replayed
    assert replayed["bid"]["id"] == accepted["bid"]["id"]
    assert Bid.objects.filter(auction=lot).count() == 1
    assert Bid.objects.get(auction=lot).source == "ws"


def test_the_server_counts_the_bids_its_bid_processes_placed_by_outcome(server, bidder):
    lot = ActiveAuctionFactory()
    before = _bid_counts(server)

    async def scenario():
        async with await _socket(server, bidder) as socket:
            state = await _join(socket, lot)
            key = str(uuid.uuid4())
            # a bid, the same tap again, and a refusal (the leader bids again)
            for amount, tap in ((state["min_next_bid"], key), (state["min_next_bid"], key), (1, str(uuid.uuid4()))):
                await socket.send(_bid(lot, amount, tap))
                await _next(socket, "auction:bid:accepted", "auction:bid:rejected", timeout=60)

    asyncio.run(scenario())

    after = _bid_counts(server)
    changed = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert changed == {
        "duration_count": 3,
        "accepted": 1,
        "replayed": 1,
        "already_highest": 1,
        "waited_count": 3,  # for the bid process, each of the three
        "answered_count": 3,
    }


def _bid_counts(server) -> dict[str, float]:
    """umaseri_bids_total{source="ws"} by outcome from the server's /metrics, its bid_place duration count and its
    socket bids' stage counts."""
    from prometheus_client.parser import text_string_to_metric_families

    request = urllib.request.Request(
        server.http_url(0, "/metrics"), headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    counts = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "umaseri_bids_total" and sample.labels["source"] == "ws":
                counts[sample.labels["outcome"]] = sample.value
            elif sample.name == "umaseri_bid_place_duration_seconds_count" and sample.labels["source"] == "ws":
                counts["duration_count"] = sample.value
            elif sample.name == "umaseri_socket_bid_seconds_count":
                counts[f"{sample.labels['stage']}_count"] = sample.value
    return counts


def test_a_refusal_from_a_bid_process_keeps_its_code_and_the_sockets_language(server, bidder):
    lot = ActiveAuctionFactory()

    async def scenario():
        async with await _socket(server, bidder, language="en") as socket:
            await _join(socket, lot)
            await socket.send(_bid(lot, 1, str(uuid.uuid4())))
            return await _next(socket, "auction:bid:accepted", "auction:bid:rejected", "error", timeout=60)

    refused = asyncio.run(scenario())

    assert refused["type"] == "auction:bid:rejected", refused
    assert refused["code"] == "bid_too_low"
    assert refused["min_next_bid"] == 1_000_000
    assert refused["detail"] == "The bid is below the minimum next bid of ¥1,000,000."
    assert not Bid.objects.filter(auction=lot).exists()


def test_a_maximum_bid_is_set_in_a_bid_process(server, bidder):
    lot = ActiveAuctionFactory()

    async def scenario():
        async with await _socket(server, bidder) as socket:
            await _join(socket, lot)
            frame = {"type": "auction:max_bid", "auction_id": lot.pk, "max_amount": 3_000_000}
            await socket.send(json.dumps({**frame, "idempotency_key": str(uuid.uuid4())}))
            return await _next(socket, "auction:max_bid:accepted", "auction:max_bid:rejected", "error", timeout=60)

    answer = asyncio.run(scenario())

    assert answer["type"] == "auction:max_bid:accepted", answer
    assert MaxBid.objects.get(auction=lot, bidder=bidder).max_amount == 3_000_000


def test_a_bid_process_that_dies_closes_the_socket_as_unavailable_and_the_retry_is_placed_once(server, bidder):
    lot = ActiveAuctionFactory()
    key = str(uuid.uuid4())

    async def first_try():
        async with await _socket(server, bidder) as socket:
            state = await _join(socket, lot)
            await socket.send(_bid(lot, 1, str(uuid.uuid4())))  # the bid process is up and answering
            await _next(socket, "auction:bid:rejected", timeout=60)
            _kill_bid_processes(server)
            await socket.send(_bid(lot, state["min_next_bid"], key))
            error = await _next(socket, "error")
            await asyncio.wait_for(socket.wait_closed(), 10)
            return state, error, socket.close_code

    state, error, close_code = asyncio.run(first_try())

    assert (error["code"], close_code) == ("unavailable", 4503)

    async def retry():
        async with await _socket(server, bidder) as socket:
            await _join(socket, lot)
            await socket.send(_bid(lot, state["min_next_bid"], key))
            return await _next(socket, "auction:bid:accepted", "auction:bid:rejected", "error", timeout=60)

    answer = asyncio.run(retry())

    assert answer["type"] == "auction:bid:accepted", answer
    assert Bid.objects.filter(auction=lot).count() == 1


def _kill_bid_processes(server) -> None:
    """SIGKILL the server's bid processes (its children that multiprocessing spawned to run work)."""
    killed = 0
    for pid in _children(server.processes[0].pid):
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in command and b"resource_tracker" not in command:
            os.kill(pid, signal.SIGKILL)
            killed += 1
    assert killed, "the server has no bid process to kill"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.parametrize("kind", range(len(OUTAGE_ERRORS)))
def test_a_dependency_down_in_a_bid_process_reaches_the_socket_server_as_the_same_error(kind):
    # A bid process's exception crosses to the server pickled; the consumer answers an outage by its type.
    error = OUTAGE_ERRORS[kind]("connection failed: Connection refused")

    arrived = pickle.loads(pickle.dumps(error))

    assert type(arrived) is type(error)
    assert str(arrived) == str(error)
