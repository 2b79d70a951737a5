"""Lots in every state and bids written straight to the table: the reports read them, nothing more."""

import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone

from auctions.models import AuctionStatus
from bidding.models import Bid
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory


class SoldAuctionFactory(ActiveAuctionFactory):
    """A lot that closed a minute ago, sold to `winner` at `hammer_price`."""

    status = AuctionStatus.SOLD
    winner = factory.SubFactory(BidderFactory)
    hammer_price = 12_000_000
    current_price = factory.SelfAttribute("hammer_price")
    bid_count = 1
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=6))
    ends_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    closed_at = factory.SelfAttribute("ends_at")


class UnsoldAuctionFactory(ActiveAuctionFactory):
    status = AuctionStatus.UNSOLD
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=6))
    ends_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    closed_at = factory.SelfAttribute("ends_at")


class ScheduledAuctionFactory(ActiveAuctionFactory):
    class Params:
        sale_date = factory.LazyFunction(lambda: date.today() + timedelta(days=7))

    status = AuctionStatus.SCHEDULED
    started_at = None
    ends_at = None


class BidFactory(factory.django.DjangoModelFactory):
    """An accepted bid row. Amounts are unique across the suite run, as they must be within one auction."""

    class Meta:
        model = Bid

    auction = factory.SubFactory(ActiveAuctionFactory)
    bidder = factory.SubFactory(BidderFactory)
    amount = factory.Sequence(lambda n: 1_000_000 + 10_000 * n)
    idempotency_key = factory.LazyFunction(uuid.uuid4)
    placed_at = factory.LazyFunction(timezone.now)
    source = "rest"
    client_address = "203.0.113.7"
