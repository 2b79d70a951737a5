"""The once-a-second tick: every live lot's room hears `auction:timer` with its end and the time left."""

import pytest

from auctions.tasks import broadcast_timers
from tests.auctions.factories import AuctionFactory
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def test_every_live_lot_ticks_once_and_a_draft_does_not():
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


def test_spread_ticks_all_leave_in_order_each_stamped_as_it_leaves(settings):
    settings.TIMER_SPREAD_MS = 400
    live = [ActiveAuctionFactory(remaining=120) for _ in range(4)]
    listeners = {auction.pk: RoomListener(auction.pk) for auction in live}

    assert broadcast_timers() == 4  # returns at once; the publisher's loop sends them over 400 ms

    ticks = [listeners[auction.pk].events(timeout=1.5) for auction in sorted(live, key=lambda a: a.pk)]
    assert all(len(room) == 1 and room[0]["type"] == "auction:timer" for room in ticks)
    stamps = [room[0]["server_time"] for room in ticks]
    assert stamps == sorted(stamps)
    # Four slices 100 ms apart: the last leaves at least 300 ms after the first (sleeps never end early).
    assert stamps[-1] - stamps[0] >= 290
    for room in ticks:  # the time left was read as the tick left, not when the task began
        assert abs(room[0]["ends_at_ms"] - room[0]["server_time"] - room[0]["remaining_ms"]) <= 20
    for listener in listeners.values():
        listener.close()
