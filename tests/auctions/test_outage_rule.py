"""Rule 12: an outage never closes a lot. A lot whose last extension window overlapped a time the platform could
not take bids is extended to the moment bidding was possible again plus the window, audited with reason
`outage` and announced like any extension; a lot the outage did not touch closes as usual."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.availability import availability_beat
from auctions.models import Auction, AuctionStatus, AuditEntry, Availability, Outage
from auctions.tasks import close_expired_auctions
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def rule_on(settings):
    settings.OUTAGE_RULE_ENABLED = True
    settings.OUTAGE_GAP_SECONDS = 5


def test_a_silence_longer_than_the_gap_is_recorded_as_an_outage_at_the_next_beat():
    now = timezone.now()
    assert availability_beat(source="closer", now=now - timedelta(seconds=14)) is None
    assert availability_beat(source="closer", now=now - timedelta(seconds=12)) is None  # 2 s: alive
    outage = availability_beat(source="closer", now=now)  # 12 s of silence
    assert (outage.started_at, outage.ended_at) == (now - timedelta(seconds=12), now)
    assert Availability.objects.get(source="closer").last_seen == now


def test_a_lot_whose_last_window_overlapped_a_10_s_outage_is_extended_not_closed():
    # Given a lot due to end 1 s ago, with a 60 s window, and a closer that was silent for the last 10 s
    lot = ActiveAuctionFactory(
        remaining=-1, extension_window_seconds=60, started_at=timezone.now() - timedelta(minutes=5)
    )
    Availability.objects.create(source="closer", last_seen=timezone.now() - timedelta(seconds=10))
    listener = RoomListener(lot.pk)

    # When the closer comes back and sweeps
    before = timezone.now()
    assert close_expired_auctions() == []

    # Then the lot runs on to the recovery plus its window: audited, announced, not closed
    lot.refresh_from_db()
    outage = Outage.objects.get()
    assert lot.status == AuctionStatus.ACTIVE
    assert lot.ends_at == outage.ended_at + timedelta(seconds=60)
    assert outage.ended_at >= before
    entry = AuditEntry.objects.get(auction=lot, action="extend")
    assert entry.reason == "outage"
    extended = [event for event in listener.events() if event["type"] == "auction:extended"]
    assert [(event["reason"], event["ends_at_ms"]) for event in extended] == [
        ("outage", int(lot.ends_at.timestamp() * 1000))
    ]
    # And the next sweep, the outage now behind its window's start, leaves it running until its new end
    assert close_expired_auctions() == []
    assert Auction.objects.get(pk=lot.pk).status == AuctionStatus.ACTIVE


def test_a_lot_whose_last_window_the_outage_did_not_touch_closes_as_usual():
    lot = ActiveAuctionFactory(remaining=-1, extension_window_seconds=60)
    Outage.objects.create(
        source="web",
        started_at=timezone.now() - timedelta(minutes=10),
        ended_at=timezone.now() - timedelta(minutes=5),
    )
    Availability.objects.create(source="closer", last_seen=timezone.now())
    assert close_expired_auctions() == [lot.pk]
    assert Auction.objects.get(pk=lot.pk).status in (AuctionStatus.SOLD, AuctionStatus.UNSOLD)


def test_a_silence_already_going_on_when_the_lot_started_does_not_count():
    # The demo's lots are started by `seed_demo` before `make run` starts the closer: that is the platform
    # before it ran, not an outage in the middle of the lot.
    lot = ActiveAuctionFactory(remaining=-1, extension_window_seconds=60, started_at=timezone.now())
    Availability.objects.create(source="closer", last_seen=timezone.now() - timedelta(hours=12))
    assert close_expired_auctions() == [lot.pk]


def test_the_hard_stop_still_holds_after_an_outage():
    lot = ActiveAuctionFactory(
        remaining=-1, extension_window_seconds=60, started_at=timezone.now() - timedelta(minutes=5)
    )
    Auction.objects.filter(pk=lot.pk).update(max_ends_at=lot.ends_at)
    Availability.objects.create(source="closer", last_seen=timezone.now() - timedelta(seconds=10))
    assert close_expired_auctions() == [lot.pk]
