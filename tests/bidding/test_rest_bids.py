"""POST/GET /api/auctions/{id}/bids/: the same service and rules as the socket."""

import uuid

import pytest

from bidding.models import Bid
from tests.bidding.conftest import place
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(auction):
    return f"/api/auctions/{auction.pk}/bids/"


def test_bidder_places_a_bid_and_gets_201_with_the_bid(auction, bidder):
    key = str(uuid.uuid4())
    response = client_for(bidder).post(url(auction), {"amount": 1_000_000, "idempotency_key": key}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == 1_000_000
    assert response.json()["paddle_number"] == bidder.paddle_number
    assert response.json()["idempotency_key"] == key


def test_a_retried_request_returns_the_same_bid_and_creates_nothing(auction, bidder):
    client, body = client_for(bidder), {"amount": 1_000_000, "idempotency_key": str(uuid.uuid4())}
    first = client.post(url(auction), body, format="json")
    second = client.post(url(auction), body, format="json")
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Bid.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (900_000, 409, "bid_too_low"),
        (1_150_000, 422, "bid_off_increment"),
        ("1000000", 400, "invalid_amount"),
        (-5, 400, "invalid_amount"),
        (1.5, 400, "invalid_amount"),
    ],
)
def test_rejections_map_to_a_status_and_a_code(auction, bidder, rival, amount, status, code):
    place(auction, rival, 1_000_000)
    response = client_for(bidder).post(
        url(auction), {"amount": amount, "idempotency_key": str(uuid.uuid4())}, format="json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_anonymous_gets_401(api, auction):
    response = api.post(url(auction), {"amount": 1_000_000, "idempotency_key": str(uuid.uuid4())}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_viewer_gets_403_not_allowed(auction, viewer):
    response = client_for(viewer).post(
        url(auction), {"amount": 1_000_000, "idempotency_key": str(uuid.uuid4())}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")


def test_rate_limited_bid_gets_429_with_retry_after(auction, bidder, settings):
    settings.BID_RATE_LIMIT_PER_MINUTE = 1
    client = client_for(bidder)
    client.post(url(auction), {"amount": 1_000_000, "idempotency_key": str(uuid.uuid4())}, format="json")
    response = client.post(url(auction), {"amount": 1_100_000, "idempotency_key": str(uuid.uuid4())}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "body",
    [{}, {"amount": 1_000_000}, {"idempotency_key": str(uuid.uuid4())}, {"amount": 1, "idempotency_key": "x" * 65}],
)
def test_missing_or_malformed_fields_get_400(auction, bidder, body):
    response = client_for(bidder).post(url(auction), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "required", "max_length"}


def test_malformed_json_gets_400_parse_error(auction, bidder):
    response = client_for(bidder).post(url(auction), "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_unknown_auction_gets_404(bidder):
    response = client_for(bidder).get("/api/auctions/999999/bids/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = client_for(bidder).post(
        "/api/auctions/999999/bids/", {"amount": 1, "idempotency_key": str(uuid.uuid4())}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (404, "auction_not_found")


def test_history_shows_paddles_to_bidders_and_names_to_staff(api, auction, bidder, rival, admin_user):
    place(auction, bidder, 1_000_000)
    place(auction, rival, 1_100_000)

    public = api.get(url(auction)).json()["results"]
    assert [row["amount"] for row in public] == [1_100_000, 1_000_000]
    assert [row["paddle_number"] for row in public] == [rival.paddle_number, bidder.paddle_number]
    assert "bidder_username" not in public[0]

    staff = client_for(admin_user).get(url(auction)).json()["results"]
    assert staff[0]["bidder_username"] == rival.username


def test_my_bids_lists_only_my_own_with_their_lot(api, auction, bidder, rival):
    place(auction, bidder, 1_000_000)
    place(auction, rival, 1_100_000)
    mine = client_for(bidder).get("/api/me/bids/").json()["results"]
    assert [(b["amount"], b["lot_number"], b["is_highest"]) for b in mine] == [(1_000_000, auction.lot_number, False)]
    assert client_for(rival).get("/api/me/bids/").json()["results"][0]["is_highest"] is True
    assert api.get("/api/me/bids/").status_code == 401


def test_my_bids_name_the_horse_in_japanese_and_in_english(auction, bidder):
    auction.horse.name, auction.horse.name_en = "ハヤテノカゼ", "Hayate no Kaze"
    auction.horse.save(update_fields=["name", "name_en"])
    place(auction, bidder, 1_000_000)

    (row,) = client_for(bidder).get("/api/me/bids/").json()["results"]

    assert (row["horse_name"], row["horse_name_en"]) == ("ハヤテノカゼ", "Hayate no Kaze")
