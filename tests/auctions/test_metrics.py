"""What the close and the timer tick record (config/metrics.py): how late a lot closed, how late the tick ran."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from auctions.models import Auction
from auctions.services import auction_close
from auctions.tasks import broadcast_timers
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_close_records_how_long_after_its_end_the_lot_closed():
    auction = ActiveAuctionFactory()
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(seconds=3))
    count, total = value("umaseri_auction_close_lag_seconds_count"), value("umaseri_auction_close_lag_seconds_sum")

    closed = auction_close(auction_id=auction.pk)

    assert value("umaseri_auction_close_lag_seconds_count") == count + 1
    lag = value("umaseri_auction_close_lag_seconds_sum") - total
    assert lag == pytest.approx((closed.closed_at - closed.ends_at).total_seconds())
    assert lag >= 3


def test_a_close_with_nothing_to_close_records_nothing():
    auction = ActiveAuctionFactory(remaining=60)
    count = value("umaseri_auction_close_lag_seconds_count")

    assert auction_close(auction_id=auction.pk) is None

    assert value("umaseri_auction_close_lag_seconds_count") == count


def test_the_tick_records_that_it_ran_and_how_late_after_beat_sent_it():
    from config.metrics import ENQUEUED_AT_HEADER

    count, total = value("umaseri_timer_tick_skew_seconds_count"), value("umaseri_timer_tick_skew_seconds_sum")
    before = time.time()

    # As beat sends it: a message stamped by the publisher (config.celery), here half a second ago.
    broadcast_timers.apply(headers={ENQUEUED_AT_HEADER: before - 0.5})

    assert value("umaseri_timer_tick_last_run_timestamp_seconds") >= before
    assert value("umaseri_timer_tick_skew_seconds_count") == count + 1
    assert value("umaseri_timer_tick_skew_seconds_sum") - total >= 0.5
