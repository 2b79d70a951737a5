"""Two maxima and manual bids from threads at once, each on its own PostgreSQL connection: the lot's history is
what the reference model gives for the order in which the database serialised them (read back from the audit
chain, which every attempt under the lock writes in order)."""

import contextlib
import random
import threading
import uuid

import pytest
from django.db import connection

from auctions.audit import audit_verify_chain
from auctions.models import Auction, AuditAction, AuditEntry
from bidding import errors
from bidding.models import Bid, BidSource
from bidding.services import bid_place, max_bid_set
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.bidding.max_bid_model import replay

START = 1_000_000


def serialised_actions(auction) -> tuple[list, list]:
    """The actions in the order the lot's lock took them, and the outcome each one had."""
    actions, outcomes = [], []
    for entry in AuditEntry.objects.filter(auction=auction).order_by("sequence"):
        if entry.action in (AuditAction.MAX_SET, AuditAction.MAX_RAISE):
            actions.append(("max", entry.actor_id, entry.data["max_amount"]))
        elif entry.action == AuditAction.BID and entry.data["source"] != BidSource.MAX_BID:
            actions.append(("bid", entry.actor_id, entry.data["amount"]))
        else:
            continue  # automatic bids and extensions: consequences, not actions
        outcomes.append(None if entry.outcome == "accepted" else entry.outcome)
    return actions, outcomes


@pytest.mark.django_db(transaction=True)
def test_two_maxima_and_manual_bids_at_once_leave_the_history_the_model_gives(settings):
    # Given two bidders leaving (and raising) maxima and two bidding by hand, all released at once
    settings.BID_RATE_LIMIT_PER_MINUTE = 10_000
    max_a, max_b, hand_c, hand_d = (BidderFactory() for _ in range(4))
    auction = ActiveAuctionFactory(start_price=START, remaining=600, extension_window_seconds=60)
    barrier = threading.Barrier(4, timeout=30)
    unexpected: list[BaseException] = []

    def leave_maxima(user, amounts):
        try:
            Auction.objects.filter(pk=auction.pk).exists()  # open this thread's connection before the race
            barrier.wait()
            for amount in amounts:
                # A refusal is written in the audit chain, and the model must agree with it.
                with contextlib.suppress(errors.BidRejected):
                    max_bid_set(auction_id=auction.pk, user=user, max_amount=amount, idempotency_key=uuid.uuid4())
        except BaseException as exc:
            unexpected.append(exc)
        finally:
            connection.close()

    def bid_by_hand(user, seed):
        rng = random.Random(seed)
        try:
            Auction.objects.filter(pk=auction.pk).exists()
            barrier.wait()
            for _ in range(25):
                price = Auction.objects.values_list("current_price", flat=True).get(pk=auction.pk) or START
                amount = price + 100_000 * rng.choice([0, 1, 1, 2, 3])  # a stale read now and then: refusals too
                with contextlib.suppress(errors.BidRejected):
                    bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())
        except BaseException as exc:
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=leave_maxima, args=(max_a, [2_000_000, 3_000_000, 4_000_000])),
        threading.Thread(target=leave_maxima, args=(max_b, [2_500_000, 3_500_000, 4_000_000])),
        threading.Thread(target=bid_by_hand, args=(hand_c, 1)),
        threading.Thread(target=bid_by_hand, args=(hand_d, 2)),
    ]
    # When they all run at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then: no database error, amounts strictly increase, one leader, and it is the model's history
    assert not unexpected, unexpected[:3]
    bids = list(Bid.objects.filter(auction=auction).order_by("pk"))
    amounts = [b.amount for b in bids]
    assert amounts == sorted(set(amounts)), "accepted amounts strictly increase"
    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (amounts[-1], bids[-1].bidder_id)
    actions, outcomes = serialised_actions(auction)
    steps = list(replay(actions, start_price=START))
    assert outcomes == [code for code, *_ in steps]
    _code, price, leader, model_bids = steps[-1]
    assert (auction.current_price, auction.high_bidder_id) == (price, leader)
    kinds = [(b.bidder_id, b.amount, "auto" if b.source == BidSource.MAX_BID else "manual") for b in bids]
    assert kinds == model_bids
    assert audit_verify_chain(auction_id=auction.pk).ok
    automatic = sum(1 for b in bids if b.source == BidSource.MAX_BID)
    assert automatic > 0 and automatic < len(bids), "both kinds of bid took part"
    print(f"\nactions={len(actions)} bids={len(bids)} automatic={automatic} refusals={sum(map(bool, outcomes))}")
