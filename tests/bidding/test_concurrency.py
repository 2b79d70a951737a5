"""Many bidders, one lot, the last seconds; and one bidder's double tap — on the real PostgreSQL, each thread on
its own connection."""

import random
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from auctions.models import Auction, AuctionStatus
from auctions.services import auction_close_due
from bidding import errors
from bidding.models import Bid
from bidding.services import bid_place
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory

BIDDERS = 52
# How long a wait for the race to reach a given point may take before the test fails: a safety net, not a timing.
PATIENCE_SECONDS = 60


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {PATIENCE_SECONDS} s waiting for {what}")
        time.sleep(0.01)


def start_together(barrier: threading.Barrier, failures: list) -> None:
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pytest.fail(f"the race never started: {failures[:3] or 'a thread never reached the start'}")


@pytest.mark.django_db(transaction=True)
def test_bidders_racing_the_deadline_leave_one_consistent_history(settings):
    # Given 52 approved bidders on a running lot with a 1 s extension window
    settings.BID_RATE_LIMIT_PER_MINUTE = 10_000
    bidders = [BidderFactory() for _ in range(BIDDERS)]
    auction = ActiveAuctionFactory(remaining=300, extension_window_seconds=1, start_price=1_000_000)
    stop_at = time.monotonic() + 60  # a safety net only: every bidder stops at `auction_ended`
    stop = threading.Event()  # set when the test ends early, so no thread outlives it
    barrier = threading.Barrier(BIDDERS + 2, timeout=60)
    outcomes: dict[uuid.UUID, list[int]] = defaultdict(list)  # key -> bid ids returned for it
    codes: dict[str, int] = defaultdict(int)
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def bidder_loop(user):
        rng = random.Random(user.pk)
        try:
            Auction.objects.filter(pk=auction.pk).exists()  # open this thread's own connection before the race
            barrier.wait()
            while time.monotonic() < stop_at and not stop.is_set():
                current = Auction.objects.values_list("current_price", flat=True).get(pk=auction.pk)
                amount = 1_000_000 if current is None else current + 100_000 * rng.choice([1, 1, 2])
                key = uuid.uuid4()
                # A retry: the same request again once answered; every send must come back to the same single bid.
                for _send in range(2):
                    try:
                        outcome = bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=key)
                    except errors.BidRejected as exc:
                        with lock:
                            codes[exc.code] += 1
                        if exc.code == "auction_ended":
                            return
                        break
                    with lock:
                        outcomes[key].append(outcome.bid.pk)
                time.sleep(rng.uniform(0, 0.02))
        except BaseException as exc:  # a deadlock or any other database error fails the test below
            unexpected.append(exc)
            barrier.abort()  # one that cannot even connect must not leave the others waiting for it
        finally:
            connection.close()

    def closer():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        while time.monotonic() < stop_at and not stop.is_set():
            auction_close_due()
            if Auction.objects.filter(pk=auction.pk, status=AuctionStatus.ACTIVE).exists():
                time.sleep(0.05)
            else:
                break
        connection.close()

    # When they all bid until the clock runs out, while a closer sweeps every 50 ms
    threads = [threading.Thread(target=bidder_loop, args=(user,), daemon=True) for user in bidders]
    threads.append(threading.Thread(target=closer, daemon=True))
    for thread in threads:
        thread.start()
    try:
        start_together(barrier, unexpected)
        # Once the race is on (20 bids in), the clock is cut to 1 s with a hard stop 2 s away; bidders keep going.
        wait_until(
            lambda: unexpected or Auction.objects.values_list("bid_count", flat=True).get(pk=auction.pk) >= 20,
            "the first 20 bids",
        )
        assert not unexpected, unexpected[:3]
        now = timezone.now()
        Auction.objects.filter(pk=auction.pk).update(
            ends_at=now + timedelta(seconds=1), max_ends_at=now + timedelta(seconds=2)
        )
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads), "a bidder or the closer never stopped"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    # Then: no deadlock or error, the lot closed, and the history is consistent
    assert not unexpected, unexpected[:3]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD
    bids = list(Bid.objects.filter(auction=auction).order_by("placed_at", "pk"))
    amounts = [bid.amount for bid in bids]
    assert len(bids) >= 20
    assert amounts == sorted(amounts) and len(set(amounts)) == len(amounts), "accepted amounts strictly increase"
    assert all(bid.placed_at < auction.ends_at for bid in bids), "no bid accepted at or after the final end"
    assert auction.closed_at >= auction.ends_at
    top = bids[-1]
    assert (auction.winner_id, auction.hammer_price) == (top.bidder_id, top.amount)
    assert auction.bid_count == len(bids)
    # Every key that was accepted maps to exactly one bid, however often it was sent.
    for key, bid_ids in outcomes.items():
        assert len(set(bid_ids)) == 1, key
    assert Bid.objects.filter(auction=auction).count() == len(outcomes)
    assert codes["auction_ended"] == BIDDERS, "every bidder bid across the deadline until refused"
    print(f"\naccepted={len(bids)} extensions={auction.extension_count} rejections={dict(codes)}")


def lock_waiters() -> int:
    """Connections to this test database waiting on a lock right now (read fresh: not the transaction's snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_racing_for_the_lot_places_one_bid():
    # Given one bidder's two sends of the same bid (same key), each on its own thread and connection
    bidder = BidderFactory()
    auction = ActiveAuctionFactory()
    key = uuid.uuid4()
    barrier = threading.Barrier(3, timeout=PATIENCE_SECONDS)
    answers, failures = [], []

    def tap():
        try:
            Auction.objects.filter(pk=auction.pk).exists()  # open this thread's own connection before the race
            barrier.wait()
            answers.append(bid_place(auction_id=auction.pk, user=bidder, amount=1_000_000, idempotency_key=key))
        except BaseException as exc:
            failures.append(exc)
            barrier.abort()
        finally:
            connection.close()

    taps = [threading.Thread(target=tap, daemon=True) for _ in range(2)]
    # When both leave at the same moment, and both are made to queue on the lot's row lock before either gets it
    # (this connection holds it until both wait), so the two really race for it
    with transaction.atomic():
        Auction.objects.select_for_update().get(pk=auction.pk)
        for thread in taps:
            thread.start()
        start_together(barrier, failures)
        wait_until(lambda: failures or lock_waiters() == 2, "both taps to wait on the lot's row lock")
    for thread in taps:
        thread.join(timeout=PATIENCE_SECONDS)
    assert not any(thread.is_alive() for thread in taps), "a tap never came back"

    # Then there is one bid, and both answers carry it: the one that waited found its twin's bid under the lock
    assert not failures, failures
    assert Bid.objects.filter(auction=auction).count() == 1
    assert [answer.bid.pk for answer in answers] == [Bid.objects.get(auction=auction).pk] * 2
    assert sorted(answer.replayed for answer in answers) == [False, True]
