"""The lot's version, `seq` (DESIGN.md): +1 with every change a watcher sees, in the same transaction, on every room
event and snapshot, so a client can drop a stale event and spot a gap."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import services
from auctions.models import Auction
from auctions.selectors import auction_snapshot
from auctions.tasks import broadcast_timers
from bidding.services import bid_place
from tests.auctions.factories import AuctionFactory
from tests.bidding.events import RoomListener

pytestmark = pytest.mark.django_db(transaction=True)


def seq_of(auction_id: int) -> int:
    return Auction.objects.values_list("seq", flat=True).get(pk=auction_id)


def test_every_event_of_a_lots_life_carries_the_next_version(auctioneer, bidder, rival):
    lot = AuctionFactory(duration_seconds=300, extension_window_seconds=60)
    listener = RoomListener(lot.pk)

    services.auction_schedule(auction_id=lot.pk, actor=auctioneer, starts_at=timezone.now() + timedelta(hours=1))
    services.auction_start(auction_id=lot.pk, actor=auctioneer)
    bid_place(auction_id=lot.pk, user=bidder, amount=lot.start_price, idempotency_key=uuid.uuid4())  # no extension
    Auction.objects.filter(pk=lot.pk).update(ends_at=timezone.now() + timedelta(seconds=10))
    bid_place(auction_id=lot.pk, user=rival, amount=lot.start_price + 100_000, idempotency_key=uuid.uuid4())
    Auction.objects.filter(pk=lot.pk).update(ends_at=timezone.now())
    services.auction_close(auction_id=lot.pk)

    events = [(event["type"], event["seq"]) for event in listener.events()]
    assert events == [
        ("auction:scheduled", 1),
        ("auction:started", 2),
        ("auction:update", 3),
        ("auction:update", 4),
        ("auction:extended", 5),  # the same bid moved the clock: the next version, in its own event
        ("auction:ended", 6),
    ]
    assert seq_of(lot.pk) == 6
    assert auction_snapshot(auction=Auction.objects.get(pk=lot.pk))["seq"] == 6


def test_a_cancel_is_a_version_too(auctioneer):
    lot = AuctionFactory()
    listener = RoomListener(lot.pk)
    services.auction_cancel(auction_id=lot.pk, actor=auctioneer, reason="withdrawn")
    assert [(event["type"], event["seq"]) for event in listener.events()] == [("auction:ended", 1)]


def test_a_timer_tick_carries_the_current_version_without_making_one(auctioneer):
    lot = AuctionFactory()
    services.auction_start(auction_id=lot.pk, actor=auctioneer)
    listener = RoomListener(lot.pk)
    broadcast_timers()
    broadcast_timers()
    ticks = [event for event in listener.events() if event["type"] == "auction:timer"]
    assert [tick["seq"] for tick in ticks] == [1, 1]
    assert seq_of(lot.pk) == 1
