"""Auctions in each state, built straight on the model (the transitions themselves are tested through the
services). Times are relative to now."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from auctions.models import Auction, AuctionStatus, Sale
from tests.horses.factories import HorseFactory


class SaleFactory(factory.django.DjangoModelFactory):
    """A one-day sale with the default 5 % premium and a registration number."""

    class Meta:
        model = Sale

    name_ja = factory.Sequence(lambda n: f"テストセール{n}")
    name_en = factory.Sequence(lambda n: f"Test sale {n}")
    starts_on = factory.LazyFunction(date.today)
    ends_on = factory.SelfAttribute("starts_on")
    invoice_registration_number = "T1234567890123"


def sale_of_day(day: date) -> Sale:
    """The one sale of that day, as the migration made them: lots given only a `sale_date` share it."""
    sale = Sale.objects.filter(starts_on=day, name_ja=f"{day} セール").first()
    return sale or SaleFactory(starts_on=day, name_ja=f"{day} セール")


class AuctionFactory(factory.django.DjangoModelFactory):
    """A draft lot with a reserve."""

    class Meta:
        model = Auction

    class Params:
        sale_date = factory.LazyFunction(date.today)

    sale = factory.LazyAttribute(lambda o: sale_of_day(o.sale_date))
    lot_number = factory.Sequence(lambda n: n + 1)
    horse = factory.SubFactory(HorseFactory)
    status = AuctionStatus.DRAFT
    start_price = 1_000_000
    reserve_price = 2_000_000


class ScheduledAuctionFactory(AuctionFactory):
    status = AuctionStatus.SCHEDULED
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5))


class ActiveAuctionFactory(AuctionFactory):
    status = AuctionStatus.ACTIVE
    started_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=300))


def finished(status: str, **kwargs) -> Auction:
    """A sold, unsold or cancelled lot, as the close or a cancel leaves it."""
    now = timezone.now()
    values = {"status": status, "started_at": now - timedelta(minutes=6), "ends_at": now - timedelta(minutes=1)}
    values["closed_at"] = now - timedelta(minutes=1)
    if status == AuctionStatus.SOLD:
        from tests.accounts.factories import BidderFactory

        winner = BidderFactory()
        values.update(current_price=2_500_000, high_bidder=winner, winner=winner, hammer_price=2_500_000, bid_count=3)
    return AuctionFactory(**values, **kwargs)


def auctioneers_group() -> Group:
    """The Auctioneers group exactly as the platform sets it up (accounts.services.AUCTIONEER_PERMISSIONS)."""
    from accounts.services import auctioneers_group as platform_group

    return platform_group()
