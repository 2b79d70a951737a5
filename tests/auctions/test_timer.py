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
