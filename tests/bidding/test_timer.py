"""The once-a-second tick: every live lot's room hears `auction:timer`, spread over part of the second rather than
all in one burst, each with the time left when it actually leaves."""

import time

import pytest

from bidding.tasks import broadcast_timers
from tests.auctions.factories import AuctionFactory
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def test_every_live_lot_ticks_once_and_a_draft_does_not(settings):
    settings.TIMER_SPREAD_SECONDS = 0.2
    live = [ActiveAuctionFactory(remaining=120) for _ in range(3)]
    draft = AuctionFactory(lot_number=999)
    listeners = {auction.pk: RoomListener(auction.pk) for auction in [*live, draft]}

    assert broadcast_timers() == 3

    for auction in live:
        (tick,) = listeners[auction.pk].events(timeout=1)
        assert tick["type"] == "auction:timer" and tick["auction_id"] == auction.pk
        assert tick["ends_at_ms"] == int(auction.ends_at.timestamp() * 1000)
        assert 110_000 < tick["remaining_ms"] <= 120_000
    assert listeners[draft.pk].events(timeout=0.3) == []


def test_the_ticks_leave_spread_over_the_window_with_the_time_left_at_each_moment(settings):
    settings.TIMER_SPREAD_SECONDS = 0.5
    lots = [ActiveAuctionFactory(remaining=60) for _ in range(10)]
    listeners = [RoomListener(auction.pk) for auction in lots]

    started_ms = time.time() * 1000
    broadcast_timers()
    ticks = [listener.events(timeout=1)[0] for listener in listeners]

    stamps = sorted(tick["server_time"] for tick in ticks)
    assert stamps[-1] - stamps[0] >= 400  # ten slices, 50 ms apart: not one burst
    assert stamps[0] - started_ms < 300
    for tick, auction in zip(ticks, lots, strict=True):
        # Read when it left: the time left plus the moment it left is the end, to the millisecond.
        assert abs(tick["remaining_ms"] + tick["server_time"] - auction.ends_at.timestamp() * 1000) <= 2
