"""Acceptance 1 of issue 16 on the real stack (daphne, Celery worker and beat): a sale of 5 lots scheduled as one
session with a 10-second interval closes them one after another in lot order, and a bid in lot 3's last window
extends lot 3 only. Nothing here is timed: the beat starts and closes everything; the test only waits for it."""

import asyncio
import json
import time
import uuid
from datetime import timedelta

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from auctions import services
from auctions.models import Auction, AuctionStatus, Invoice, SaleSession
from tests.auctions.factories import AuctionFactory, SaleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INTERVAL = 10
WINDOW = 8  # each lot's own soft close, shortened so the test takes a minute, not a quarter of an hour


async def _collect(url: str, auction_ids: list[int], until, messages: list[dict]) -> None:
    async with websockets.connect(url, origin="http://localhost", compression=None) as socket:
        for auction_id in auction_ids:
            await socket.send(json.dumps({"type": "auction:join", "auction_id": auction_id}))
        # Until the database says every lot closed and every lot's end has reached this socket: the end is relayed
        # after the close commits, so the database alone would stop listening just before the last one arrives.
        while not (
            {m["auction_id"] for m in messages if m["type"] == "auction:ended"} >= set(auction_ids)
            and await sync_to_async(until)()
        ):
            try:
                messages.append(json.loads(await asyncio.wait_for(socket.recv(), 1)))
            except TimeoutError:
                continue


def test_a_five_lot_session_closes_in_lot_order_and_a_late_bid_extends_only_its_lot(live_stack, auctioneer, bidder):
    sale = SaleFactory()
    opens_at = timezone.now() + timedelta(seconds=6)
    session = SaleSession.objects.create(
        sale=sale, opens_at=opens_at, closes_at=opens_at + timedelta(seconds=15), interval_seconds=INTERVAL
    )
    lots = {
        number: AuctionFactory(
            sale=sale, session=session, lot_number=number, reserve_price=None, extension_window_seconds=WINDOW
        )
        for number in (4, 2, 5, 1, 3)
    }
    services.sale_session_schedule(session_id=session.pk, actor=auctioneer)
    planned = {number: Auction.objects.get(pk=lot.pk).planned_ends_at for number, lot in lots.items()}
    assert [planned[n] - planned[1] for n in range(1, 6)] == [timedelta(seconds=INTERVAL * i) for i in range(5)]

    def all_closed() -> bool:
        return (
            not Auction.objects.filter(pk__in=[lot.pk for lot in lots.values()])
            .exclude(status__in=[AuctionStatus.SOLD, AuctionStatus.UNSOLD])
            .exists()
        )

    async def bid_in_lot_3s_last_window():
        # Wait (on the server's own clock, through the database) until lot 3 is live and inside its last window.
        while True:
            lot = await sync_to_async(Auction.objects.get)(pk=lots[3].pk)
            if lot.status == AuctionStatus.ACTIVE and lot.ends_at - timezone.now() < timedelta(seconds=WINDOW / 2):
                break
            await asyncio.sleep(0.2)
        token = str(AccessToken.for_user(bidder))
        async with websockets.connect(live_stack.ws_url(1, token), origin="http://localhost") as socket:
            await socket.send(json.dumps({"type": "auction:join", "auction_id": lots[3].pk}))
            bid = {"type": "auction:bid", "auction_id": lots[3].pk, "amount": 1_000_000}
            await socket.send(json.dumps({**bid, "idempotency_key": str(uuid.uuid4())}))
            while True:
                answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
                if answer["type"].startswith("auction:bid:") or answer["type"] == "error":
                    return answer

    async def scenario():
        messages: list[dict] = []
        watcher = asyncio.create_task(
            _collect(live_stack.ws_url(0), [lot.pk for lot in lots.values()], all_closed, messages)
        )
        answer = await bid_in_lot_3s_last_window()
        deadline = time.monotonic() + 180  # a safety net for a broken stack, not a measurement
        while not watcher.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        watcher.cancel()
        return answer, messages

    answer, messages = asyncio.run(scenario())

    assert answer["type"] == "auction:bid:accepted", answer
    final = {number: Auction.objects.get(pk=lot.pk) for number, lot in lots.items()}
    assert all(lot.status in (AuctionStatus.SOLD, AuctionStatus.UNSOLD) for lot in final.values()), final
    # Lot 3 alone moved: its end is its bid plus its own window; every other lot ended exactly where planned.
    assert [final[n].extension_count for n in range(1, 6)] == [0, 0, 1, 0, 0]
    assert final[3].ends_at > planned[3]
    assert all(final[n].ends_at == planned[n] for n in (1, 2, 4, 5))
    # The beat closed them one after another, in lot order, each no earlier than its end.
    closes = [final[n].closed_at for n in range(1, 6)]
    assert closes == sorted(closes)
    assert all(final[n].closed_at >= final[n].ends_at for n in range(1, 6))
    assert final[3].status == AuctionStatus.SOLD and Invoice.objects.get(auction=final[3]).number == 1
    # Watchers heard the extension of lot 3 and of no other lot, and every lot's end.
    extended = {m["auction_id"] for m in messages if m["type"] == "auction:extended"}
    ended = [m["auction_id"] for m in messages if m["type"] == "auction:ended"]
    assert extended == {lots[3].pk}
    assert ended == [lots[n].pk for n in range(1, 6)]
    print(
        "\nplanned ends (s after lot 1):",
        [(planned[n] - planned[1]).total_seconds() for n in range(1, 6)],
        "\nfinal ends (s after lot 1):",
        [(final[n].ends_at - planned[1]).total_seconds() for n in range(1, 6)],
        "\ncloses (s after lot 1's planned end):",
        [round((final[n].closed_at - planned[1]).total_seconds(), 3) for n in range(1, 6)],
    )
