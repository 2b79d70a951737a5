"""Acceptance 1: random sequences of manual bids and maxima from several bidders, through the real services on
PostgreSQL, agree with the reference model (tests/bidding/max_bid_model.py) after every step: the refusal, the
price, the leader and the whole bid sequence."""

import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auctions.models import Auction
from bidding import errors
from bidding.models import Bid, BidSource
from bidding.services import bid_place, max_bid_set, max_bid_withdraw
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.bidding.max_bid_model import replay

START = 1_000_000
BIDDERS = 3
# ¥1.0M to ¥3.0M in ¥100,000 steps: all on the grid, narrow enough that bids and maxima meet and tie often.
AMOUNTS = st.integers(0, 20).map(lambda k: START + k * 100_000)
ACTION = st.one_of(
    st.tuples(st.just("bid"), st.integers(0, BIDDERS - 1), AMOUNTS),
    st.tuples(st.just("max"), st.integers(0, BIDDERS - 1), AMOUNTS),
    st.tuples(st.just("withdraw"), st.integers(0, BIDDERS - 1), st.none()),
)


def run(action, *, auction, user):
    kind, _who, amount = action
    try:
        if kind == "bid":
            bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())
        elif kind == "max":
            max_bid_set(auction_id=auction.pk, user=user, max_amount=amount, idempotency_key=uuid.uuid4())
        else:
            max_bid_withdraw(auction_id=auction.pk, user=user)
    except errors.BidRejected as exc:
        return exc.code
    return None


@pytest.fixture
def bidders(db, settings):
    settings.BID_RATE_LIMIT_PER_MINUTE = 1_000_000  # the rate limit has its own tests
    return [BidderFactory() for _ in range(BIDDERS)]


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, min_size=1, max_size=10))
def test_random_sequences_of_bids_and_maxima_agree_with_the_model(bidders, actions):
    # Each example on a fresh lot, in a savepoint that is rolled back: cheap, and nothing leaks between examples.
    with transaction.atomic():
        auction = ActiveAuctionFactory(start_price=START, extension_window_seconds=60)
        ids = [user.pk for user in bidders]
        expected = replay([(kind, ids[who], amount) for kind, who, amount in actions], start_price=START)
        for step, (action, (code, price, leader, bids)) in enumerate(zip(actions, expected, strict=True)):
            got_code = run(action, auction=auction, user=bidders[action[1]])
            row = Auction.objects.values("current_price", "high_bidder_id", "bid_count").get(pk=auction.pk)
            got_bids = [
                (b.bidder_id, b.amount, "auto" if b.source == BidSource.MAX_BID else "manual")
                for b in Bid.objects.filter(auction=auction).order_by("pk")
            ]
            where = f"after step {step} {action} of {actions}"
            assert got_code == code, where
            assert (row["current_price"], row["high_bidder_id"]) == (price, leader), where
            assert got_bids == bids, where
            assert row["bid_count"] == len(bids), where
        transaction.set_rollback(True)
