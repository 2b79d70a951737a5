"""Rule 2: a scheduled auction starts by itself at `starts_at` (beat runs the task once a second)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from auctions.models import Auction, AuctionStatus
from auctions.tasks import start_due_auctions
from config.celery import app
from tests.auctions.factories import AuctionFactory, ScheduledAuctionFactory
from tests.bidding.events import RoomListener


def test_beat_runs_the_scheduled_start_every_second():
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "auctions.start_due_auctions")
    assert entry["schedule"] == 1.0
    assert "auctions.start_due_auctions" in app.tasks


@pytest.mark.django_db
def test_due_scheduled_auction_starts_by_itself():
    # Given a lot scheduled for a moment ago, one for later, and a draft whose start time has passed
    due = ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(milliseconds=500))
    later = ScheduledAuctionFactory(starts_at=timezone.now() + timedelta(minutes=5))
    draft = AuctionFactory(starts_at=timezone.now() - timedelta(minutes=1))

    # When beat's task runs
    started = start_due_auctions()

    # Then only the due one is running, for its full duration from now
    assert started == [due.pk]
    due.refresh_from_db()
    assert due.status == AuctionStatus.ACTIVE
    assert due.ends_at == due.started_at + timedelta(seconds=due.duration_seconds)
    assert due.started_at >= due.starts_at
    assert Auction.objects.get(pk=later.pk).status == AuctionStatus.SCHEDULED
    assert Auction.objects.get(pk=draft.pk).status == AuctionStatus.DRAFT


@pytest.mark.django_db
def test_scheduled_auction_whose_hard_stop_passed_is_passed_over_audited(settings):
    stale = ScheduledAuctionFactory(
        starts_at=timezone.now() - timedelta(minutes=2), max_ends_at=timezone.now() - timedelta(minutes=1)
    )
    assert start_due_auctions() == []
    stale.refresh_from_db()
    assert stale.status == AuctionStatus.CANCELLED
    assert "passed over" in stale.cancel_reason
    assert stale.audit_entries.filter(action="cancel").count() == 1


@pytest.mark.django_db
def test_lots_passed_over_do_not_starve_the_starts_behind_them(monkeypatch):
    from auctions import selectors

    # More stale lots than one sweep looks at, all older than a lot that is due now
    for _ in range(5):
        ScheduledAuctionFactory(
            starts_at=timezone.now() - timedelta(minutes=10), max_ends_at=timezone.now() - timedelta(minutes=5)
        )
    due = ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(seconds=1))
    real = selectors.auction_due_ids
    monkeypatch.setattr("auctions.tasks.auction_due_ids", lambda *, now: real(now=now, limit=3))
    started = start_due_auctions() + start_due_auctions()
    assert started == [due.pk]


@pytest.mark.django_db
def test_one_failing_start_does_not_hold_up_the_others(monkeypatch):
    first = ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(seconds=2))
    second = ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(seconds=1))
    from auctions import services, tasks

    real = services.auction_start_if_due

    def flaky(*, auction_id):
        if auction_id == first.pk:
            raise RuntimeError("boom")
        return real(auction_id=auction_id)

    monkeypatch.setattr(tasks, "auction_start_if_due", flaky)
    assert start_due_auctions() == [second.pk]


@pytest.mark.django_db
def test_scheduled_start_tells_the_watchers(django_capture_on_commit_callbacks):
    # Through the real Redis channel layer: a socket in the auction's room receives auction:started.
    auction = ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(milliseconds=10))
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        start_due_auctions()

    [event] = listener.events()
    assert (event["type"], event["auction_id"], event["status"]) == ("auction:started", auction.pk, "active")
    assert isinstance(event["server_time"], int)
    assert event["ends_at_ms"] > event["server_time"] - 1000


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_start_each_auction_exactly_once():
    # Beat's next tick may overlap a slow run; on PostgreSQL the row lock makes one of them do the work.
    lots = [ScheduledAuctionFactory(starts_at=timezone.now() - timedelta(milliseconds=5)) for _ in range(6)]
    barrier = threading.Barrier(3)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(start_due_auctions())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    started = sorted(pk for run in results for pk in run)
    assert started == sorted(lot.pk for lot in lots)  # each once, none twice, none missed
    assert set(Auction.objects.values_list("status", flat=True)) == {AuctionStatus.ACTIVE}
