"""Rule 4: anti-sniping extension, and the hard stop."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.bidding.conftest import place
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def test_bid_with_299_seconds_left_moves_the_end_to_now_plus_the_window(bidder, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory(remaining=299)
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = place(auction, bidder, 1_000_000)

    auction.refresh_from_db()
    assert outcome.extended
    assert auction.ends_at == outcome.bid.placed_at + timedelta(seconds=300)
    assert auction.extension_count == 1
    events = listener.events()
    assert [e["type"] for e in events] == ["auction:update", "auction:extended"]
    extended = json.loads(json.dumps(events[1]))  # events are plain JSON
    assert extended["ends_at_ms"] == int(auction.ends_at.timestamp() * 1000)
    assert extended["extension_count"] == 1
    assert "server_time" in extended


def test_bid_with_more_than_the_window_left_does_not_extend(bidder, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory(remaining=301)
    before = auction.ends_at
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = place(auction, bidder, 1_000_000)

    auction.refresh_from_db()
    assert not outcome.extended
    assert auction.ends_at == before
    assert auction.extension_count == 0
    assert [e["type"] for e in listener.events()] == ["auction:update"]


def test_hard_stop_caps_the_extension(bidder, rival):
    auction = ActiveAuctionFactory(remaining=10)
    auction.max_ends_at = timezone.now() + timedelta(seconds=60)
    auction.save()

    place(auction, bidder, 1_000_000)
    auction.refresh_from_db()
    assert auction.ends_at == auction.max_ends_at

    # At the hard stop the clock cannot move any further.
    place(auction, rival, 1_100_000)
    auction.refresh_from_db()
    assert auction.ends_at == auction.max_ends_at
    assert auction.extension_count == 1


def test_zero_window_never_extends(bidder):
    auction = ActiveAuctionFactory(remaining=5, extension_window_seconds=0)
    before = auction.ends_at
    assert not place(auction, bidder, 1_000_000).extended
    auction.refresh_from_db()
    assert auction.ends_at == before
