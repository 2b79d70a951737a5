"""Issue 13: room events go through an outbox. Each publishing transaction writes one RoomEvent row; the relay
after the commit sends it and removes it; when Redis is down at that moment the row stays, and the beat's sweep
sends it once Redis is back, so no watcher misses the end of a lot."""

import socket
import uuid
from datetime import timedelta

import pytest
from channels.layers import channel_layers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions import events
from auctions.models import Auction, RoomEvent
from auctions.services import auction_close
from auctions.tasks import relay_room_events
from bidding.services import bid_place
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh_publisher():
    channel_layers.backends.pop("default", None)
    events._publisher = None


@pytest.fixture
def redis_down_for_the_publisher(settings):
    """The channel layer of this process points at a Redis that is not there, until the test calls `back()`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    real = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {**real["default"], "CONFIG": {**real["default"]["CONFIG"], "hosts": [dead]}}}
    _fresh_publisher()

    def back():
        settings.CHANNEL_LAYERS = real
        _fresh_publisher()

    yield back
    back()


def _bid(lot, user, amount):
    return bid_place(auction_id=lot.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())


def test_a_bid_writes_one_row_which_the_relay_sends_and_removes(bidder):
    lot = ActiveAuctionFactory()
    listener = RoomListener(lot.pk)
    try:
        with CaptureQueriesContext(connection) as queries:
            _bid(lot, bidder, 1_000_000)
        received = listener.events()
    finally:
        listener.close()

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "auctions_roomevent"')]
    # In its last window the bid also moved the end: two events, one extra INSERT for them
    assert len(inserts) == 1
    assert [e["type"] for e in received] == ["auction:update", "auction:extended"]
    assert not RoomEvent.objects.exists()  # relayed, then removed


def test_redis_down_at_the_commit_the_sweep_delivers_once_it_is_back(redis_down_for_the_publisher, bidder):
    lot = ActiveAuctionFactory(reserve_price=None, extension_window_seconds=0)
    _bid(lot, bidder, 1_000_000)
    Auction.objects.filter(pk=lot.pk).update(ends_at=timezone.now())
    closed = auction_close(auction_id=lot.pk)

    # The bid and the close committed; their events could not leave and wait in the outbox, in order.
    assert closed.status == "sold"
    rows = list(RoomEvent.objects.order_by("pk"))
    assert [[e["type"] for e in row.events] for row in rows] == [["auction:update"], ["auction:ended"]]

    redis_down_for_the_publisher()  # Redis is back
    listener = RoomListener(lot.pk)
    try:
        assert relay_room_events() == 0  # too young: the relay after its commit may still be at it
        RoomEvent.objects.update(created_at=timezone.now() - timedelta(minutes=1))
        assert relay_room_events() == 2
        received = listener.events()
    finally:
        listener.close()

    assert [e["type"] for e in received] == ["auction:update", "auction:ended"]
    ended = received[-1]
    assert (ended["status"], ended["seq"], ended["winner_paddle"]) == ("sold", closed.seq, bidder.paddle_number)
    assert not RoomEvent.objects.exists()
