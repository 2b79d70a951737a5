"""PUT/GET/DELETE /api/auctions/{id}/max-bid/ and the socket's `auction:max_bid`: the wire side of rule 10, and a
maximum seen by its owner only."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from bidding.models import MaxBid
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory
from tests.conftest import client_for


def url(auction):
    return f"/api/auctions/{auction.pk}/max-bid/"


def put(client, auction, amount, key=None):
    body = {"max_amount": amount, "idempotency_key": key or str(uuid.uuid4())}
    return client.put(url(auction), body, format="json")


@pytest.mark.django_db
def test_setting_a_maximum_answers_with_it_and_the_opening_bid(auction, bidder):
    response = put(client_for(bidder), auction, 2_000_000)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["auction"], body["max_amount"], body["leading"], body["current_price"]) == (
        auction.pk,
        2_000_000,
        True,
        1_000_000,
    )
    assert [b["amount"] for b in body["automatic_bids"]] == [1_000_000]


@pytest.mark.django_db
def test_get_returns_ones_own_maximum_and_404_to_anyone_else(auction, bidder, rival, api):
    put(client_for(bidder), auction, 2_000_000)

    mine = client_for(bidder).get(url(auction))
    theirs = client_for(rival).get(url(auction))

    assert mine.status_code == 200 and mine.json()["max_amount"] == 2_000_000
    assert mine.json()["automatic_bids"] == []
    assert theirs.status_code == 404 and theirs.json()["code"] == "max_bid_not_found"
    assert api.get(url(auction)).status_code == 401


@pytest.mark.django_db
def test_a_retry_is_marked_replayed_and_a_lower_maximum_refused(auction, bidder):
    client, key = client_for(bidder), str(uuid.uuid4())
    put(client, auction, 2_000_000, key)

    again = put(client, auction, 2_000_000, key)
    lower = put(client, auction, 1_500_000)

    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert (lower.status_code, lower.json()["code"]) == (409, "max_bid_lowered")


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (900_000, 409, "bid_too_low"),
        (1_005_000, 422, "bid_off_increment"),
        (90_000_000, 422, "bid_too_high"),
        ("2000000", 400, "invalid_amount"),
        (1.5, 400, "invalid_amount"),
    ],
)
@pytest.mark.django_db
def test_a_refused_maximum_carries_a_code(auction, bidder, amount, status, code):
    response = put(client_for(bidder), auction, amount)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["detail"]


@pytest.mark.django_db
def test_withdraw_only_while_not_leading(auction, bidder, rival):
    client = client_for(bidder)
    put(client, auction, 2_000_000)
    leading = client.delete(url(auction))
    client_for(rival).post(
        f"/api/auctions/{auction.pk}/bids/", {"amount": 2_100_000, "idempotency_key": str(uuid.uuid4())}, format="json"
    )

    withdrawn = client.delete(url(auction))

    assert (leading.status_code, leading.json()["code"]) == (409, "max_bid_leading")
    assert withdrawn.status_code == 204
    assert client.get(url(auction)).status_code == 404
    assert client.delete(url(auction)).status_code == 404


@pytest.mark.django_db
def test_no_one_else_learns_the_maximum_from_the_history_or_the_lot(auction, bidder, rival, admin_user, api):
    put(client_for(bidder), auction, 2_700_000)
    client_for(rival).post(
        f"/api/auctions/{auction.pk}/bids/", {"amount": 1_500_000, "idempotency_key": str(uuid.uuid4())}, format="json"
    )

    for client in (client_for(rival), api, client_for(bidder)):
        for path in (f"/api/auctions/{auction.pk}/bids/", f"/api/auctions/{auction.pk}/", "/api/auctions/"):
            text = client.get(path).content.decode()
            assert "2700000" not in text and "max_amount" not in text, path
    csv = client_for(admin_user).get("/api/reports/bids.csv")
    assert "2700000" not in b"".join(csv.streaming_content).decode()


@pytest.mark.django_db
def test_the_schema_documents_the_max_bid_operations(api):
    schema = api.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/auctions/{auction_id}/max-bid/"]
    assert set(operations) >= {"get", "put", "delete"}
    assert {"200", "409", "422", "429"} <= set(operations["put"]["responses"])
    socket = operations["put"]["x-websocket"]
    assert socket["send"]["type"] == "auction:max_bid"
    assert [frame["type"] for frame in socket["receive"]] == ["auction:max_bid:accepted", "auction:max_bid:rejected"]
    write = schema["components"]["schemas"]["MaxBidWriteRequest"]
    assert set(write["required"]) == {"max_amount", "idempotency_key"}


# --- the socket --------------------------------------------------------------------------------------------------


async def connect(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={AccessToken.for_user(user)}", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def receive_until(socket, wanted: str, timeout: float = 3) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == wanted:
            return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_maximum_over_the_socket_is_answered_to_its_owner_and_the_room_sees_only_bids(bidder, rival):
    lot = await sync_to_async(ActiveAuctionFactory)()
    owner, watcher = await connect(bidder), await connect(rival)
    for socket in (owner, watcher):
        await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
        await receive_until(socket, "auction:state")
    key = str(uuid.uuid4())

    await owner.send_json_to(
        {"type": "auction:max_bid", "auction_id": lot.pk, "max_amount": 2_500_000, "idempotency_key": key}
    )

    accepted = await receive_until(owner, "auction:max_bid:accepted")
    assert (accepted["idempotency_key"], accepted["max_bid"]["max_amount"]) == (key, 2_500_000)
    update = await receive_until(watcher, "auction:update")
    assert update["current_price"] == 1_000_000 and update["high_bidder_paddle"] == bidder.paddle_number
    assert "2500000" not in str(update)

    await owner.send_json_to(
        {"type": "auction:max_bid", "auction_id": lot.pk, "max_amount": 3_234_567, "idempotency_key": str(uuid.uuid4())}
    )
    rejected = await receive_until(owner, "auction:max_bid:rejected")
    assert rejected["code"] == "bid_off_increment"
    await owner.send_json_to({"type": "auction:max_bid", "auction_id": lot.pk, "idempotency_key": str(uuid.uuid4())})
    missing = await receive_until(owner, "error")
    assert (missing["code"], missing["field"]) == ("missing_field", "max_amount")
    assert await MaxBid.objects.filter(auction=lot).acount() == 1
    await owner.disconnect()
    await watcher.disconnect()


@pytest.mark.django_db
def test_staff_see_maxima_in_the_admin_read_only(auction, bidder, admin_user):
    put(client_for(bidder), auction, 2_700_000)
    from django.test import Client

    client = Client()
    client.force_login(admin_user)

    listing = client.get("/admin/bidding/maxbid/")

    assert listing.status_code == 200
    assert "2700000" in listing.content.decode().replace(",", "")
    assert client.get("/admin/bidding/maxbid/add/").status_code == 403
