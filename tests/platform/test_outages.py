"""Degrade, never fail (issue 13): with Redis away the platform still reads and takes bids; a dependency that is
down answers 503 `unavailable` with Retry-After, never a 500."""

import socket
import uuid

import pytest
from channels.layers import channel_layers
from django.db import OperationalError
from prometheus_client import REGISTRY
from psycopg_pool import PoolTimeout

from auctions import events
from bidding.models import Bid
from tests.auctions.factories import ActiveAuctionFactory
from tests.conftest import client_for


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.fixture
def redis_down(settings):
    """Cache, throttle counters, bid rate limit and channel layer all pointed at a Redis that is not there."""
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": dead},
    }
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [dead], "prefix": "asgi-down"}},
    }
    settings.API_RATE_LIMIT = "5/min"  # would refuse the sixth request, if Redis could count them
    channel_layers.backends.pop("default", None)
    events._publisher = None
    yield
    channel_layers.backends.pop("default", None)
    events._publisher = None


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_lots_are_read_and_bids_taken(redis_down, bidder, rival):
    lot = ActiveAuctionFactory()
    api = client_for(bidder)
    for _ in range(8):
        assert api.get("/api/auctions/").status_code == 200  # the cache and the throttle fail open
    assert api.get(f"/api/auctions/{lot.pk}/").status_code == 200
    for user, amount in ((bidder, 1_000_000), (rival, 1_100_000)):
        response = client_for(user).post(
            f"/api/auctions/{lot.pk}/bids/",
            {"amount": amount, "idempotency_key": str(uuid.uuid4())},
            format="json",
        )
        assert response.status_code == 201, response.content  # the rate limit counts in PostgreSQL instead
    assert Bid.objects.filter(auction=lot).count() == 2


@pytest.mark.django_db
def test_cache_calls_passed_over_are_counted_and_logged_once_not_per_request(redis_down, bidder, caplog):
    def failures() -> float:
        return REGISTRY.get_sample_value("umaseri_cache_failures_total") or 0.0

    before = failures()
    api = client_for(bidder)
    with caplog.at_level("WARNING", logger="config.cache"):
        for _ in range(6):
            assert api.get("/api/auctions/").status_code == 200
    # every request's throttle counter (and its cached read) went to the missing Redis: counted, each of them
    assert failures() - before >= 6
    lines = [record for record in caplog.records if record.name == "config.cache"]
    assert len(lines) <= 1  # not a traceback per request
    assert all("passed over" in line.getMessage() and line.exc_info is None for line in lines)


@pytest.mark.django_db
def test_the_bid_rate_limit_still_holds_with_redis_down(redis_down, settings):
    from tests.accounts.factories import BidderFactory

    settings.BID_RATE_LIMIT_PER_MINUTE = 2
    bidders = [BidderFactory(), BidderFactory()]
    lot = ActiveAuctionFactory()
    codes = []
    for turn in range(5):  # the two alternate, so `already_highest` never stops them
        response = client_for(bidders[turn % 2]).post(
            f"/api/auctions/{lot.pk}/bids/",
            {"amount": 1_000_000 + 100_000 * turn, "idempotency_key": str(uuid.uuid4())},
            format="json",
        )
        codes.append(response.status_code if response.status_code == 201 else response.json()["code"])
    assert codes == [201, 201, 201, 201, "rate_limited"]


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("connection failed"), PoolTimeout("no connection in 2 s")])
def test_a_database_outage_is_a_503_with_retry_after(api, monkeypatch, error):
    from auctions import selectors

    def down(**kwargs):
        raise error

    monkeypatch.setattr(selectors, "auction_list", down)
    response = api.get("/api/auctions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"


@pytest.mark.django_db
def test_a_database_outage_in_a_plain_django_view_is_a_503_too(client, monkeypatch):
    from django.contrib.auth.backends import ModelBackend

    def down(self, request, **kwargs):
        raise OperationalError("connection failed")

    monkeypatch.setattr(ModelBackend, "authenticate", down)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
