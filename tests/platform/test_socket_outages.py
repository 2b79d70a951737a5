"""Degrade, never fail (issue 13), on the socket: PostgreSQL down answers `unavailable` and closes the socket with
4503 (reconnect later, then resync), never a 1011; a handshake that cannot read its user is no 500."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from rest_framework_simplejwt.tokens import AccessToken

from accounts import ws_auth
from accounts.ws_auth import CLOSE_UNAVAILABLE
from bidding import services
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://localhost")]


def _down(*args, **kwargs):
    raise OperationalError("connection failed: Connection refused")


async def _session(user=None) -> WebsocketCommunicator:
    path = "/ws/auctions/" + (f"?token={AccessToken.for_user(user)}" if user else "")
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "session"
    return socket


async def test_a_bid_that_meets_a_database_outage_is_answered_and_the_socket_closes_4503(bidder, monkeypatch):
    lot = await sync_to_async(ActiveAuctionFactory)()
    socket = await _session(bidder)
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    while (await socket.receive_json_from())["type"] != "auction:state":
        pass

    monkeypatch.setattr(services, "bid_place", _down)
    key = str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "auction:bid", "auction_id": lot.pk, "amount": 1_000_000, "idempotency_key": key}
    )
    answer = await socket.receive_json_from()
    assert (answer["type"], answer["code"], answer["idempotency_key"]) == ("error", "unavailable", key)
    assert answer["retry_after"] == 5
    assert (await socket.receive_output())["code"] == CLOSE_UNAVAILABLE


async def test_a_handshake_that_cannot_read_its_user_closes_4503(bidder, monkeypatch):
    async def down(user_ids):
        _down()

    monkeypatch.setattr(ws_auth, "_load_active_users", down)
    ws_auth._user_cache.clear()
    socket = WebsocketCommunicator(application, f"/ws/auctions/?token={AccessToken.for_user(bidder)}", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    closing = await socket.receive_output()
    assert (closing["type"], closing["code"]) == ("websocket.close", CLOSE_UNAVAILABLE)
