"""Lots ready for bidding. Built straight on the models: the lifecycle services have their own tests."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from auctions.models import Auction, AuctionStatus
from horses.models import Horse
from tests.auctions.factories import sale_of_day


class HorseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Horse

    name = factory.Sequence(lambda n: f"テストホース{n}")
    sex = "colt"
    colour = "bay"
    foaling_year = 2024
    sire = "キタノカゼ"
    dam = "ハルノユメ"


class ActiveAuctionFactory(factory.django.DjangoModelFactory):
    """An auction that started a moment ago and runs for `remaining` seconds (default 300)."""

    class Meta:
        model = Auction

    class Params:
        remaining = 300
        sale_date = factory.LazyFunction(date.today)

    sale = factory.LazyAttribute(lambda o: sale_of_day(o.sale_date))
    lot_number = factory.Sequence(lambda n: n + 1)
    horse = factory.SubFactory(HorseFactory)
    status = AuctionStatus.ACTIVE
    start_price = 1_000_000
    started_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: timezone.now() + timedelta(seconds=o.remaining))
