"""The small things an HTTP client relies on: a JSON 404 for any method on an unknown /api/ path, a `Date` header,
a bounded page size, and JSON (not a bare or empty 400) for an empty or broken multipart body."""

import uuid
from email.utils import parsedate_to_datetime

import pytest
from django.test import Client
from django.utils import timezone

from config.pagination import MAX_PAGE_SIZE
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", ["/api/nope/", "/api/auctions/1/nope/", "/api/auth", "/api/reports/x.csv"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(method, path):
    # A browser-like client: CSRF is enforced, and no CSRF cookie was ever set
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    if method != "head":
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/auctions/", "/api/auth/me/", "/api/nope/", "/healthz", "/", "/admin/login/"])
def test_every_response_carries_a_date_header(path):
    before = timezone.now().replace(microsecond=0)
    response = Client().get(path)
    sent = parsedate_to_datetime(response["Date"])
    assert sent >= before
    assert sent.tzinfo is not None


@pytest.fixture
def lists(bidder):
    """Every paginated list, each with more than one row, and who may read it."""
    from notifications.models import Notification, Watch
    from tests.auctions.factories import ActiveAuctionFactory
    from tests.horses.factories import HorseFactory

    lots = [ActiveAuctionFactory() for _ in range(3)]
    HorseFactory.create_batch(2)
    from bidding.services import bid_place

    for lot in lots:
        bid_place(auction_id=lot.pk, user=bidder, amount=lot.start_price, idempotency_key=uuid.uuid4())
        Watch.objects.create(user=bidder, auction=lot)
        Notification.objects.create(user=bidder, kind="outbid", dedupe_key=f"n{lot.pk}", auction=lot)
    return [
        "/api/auctions/",
        "/api/horses/",
        f"/api/auctions/{lots[0].pk}/bids/",
        "/api/me/bids/",
        "/api/watchlist/",
        "/api/notifications/",
    ]


HUGE_OR_ODD = ["99999999999999999999", "9223372036854775808", "1e9", "-1", "0", "abc", "", "1.5", "２"]


@pytest.mark.parametrize("limit", HUGE_OR_ODD)
def test_an_odd_or_huge_limit_never_fails_a_list(lists, bidder, limit):
    api = client_for(bidder)
    for path in lists:
        for query in (f"?limit={limit}", f"?limit=1&offset={limit}", f"?limit={limit}&offset={limit}"):
            response = api.get(path + query)
            assert response.status_code == 200, (path, query, response.content[:300])
            body = response.json()
            rows = body["results"] if isinstance(body, dict) else body
            assert len(rows) <= MAX_PAGE_SIZE


def test_a_page_is_never_larger_than_the_maximum(bidder):
    from tests.horses.factories import HorseFactory

    HorseFactory.create_batch(MAX_PAGE_SIZE + 3)
    body = client_for(bidder).get("/api/horses/?limit=100000").json()
    assert body["count"] == MAX_PAGE_SIZE + 3
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["next"]


def test_the_spa_page_size_is_within_the_maximum():
    # The SPA asks for 200 rows at a time (frontend/src/api/index.js); the cap must not cut its lists short.
    assert MAX_PAGE_SIZE >= 200
