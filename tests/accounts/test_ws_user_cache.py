"""The handshake reads a user's row once every few seconds, not per socket (issue 14's cheap joins); a lowered
standing drops the cached row in the process at once."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts import ws_auth
from accounts.models import User
from config.asgi import application
from tests.accounts.factories import BidderFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def session_of(token: str) -> dict:
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={token}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    first = await socket.receive_json_from()
    await socket.disconnect()
    return first


async def test_several_handshakes_of_one_user_read_the_row_once(monkeypatch):
    bidder = await sync_to_async(BidderFactory)()
    token = str(AccessToken.for_user(bidder))
    loads = []
    real = ws_auth._load_active_users

    async def counted(user_ids):
        loads.append(user_ids)
        return await real(user_ids)

    monkeypatch.setattr(ws_auth, "_load_active_users", counted)
    for _ in range(3):
        assert (await session_of(token))["user"]["role"] == "bidder"
    assert loads == [[str(bidder.pk)]]


async def test_a_burst_of_handshakes_shares_its_user_queries_and_each_gets_its_own_user(monkeypatch):
    bidders = [await sync_to_async(BidderFactory)() for _ in range(12)]
    loads = []
    real = ws_auth._load_active_users

    async def counted(user_ids):
        loads.append(user_ids)
        return await real(user_ids)

    monkeypatch.setattr(ws_auth, "_load_active_users", counted)
    sessions = await asyncio.gather(*(session_of(str(AccessToken.for_user(bidder))) for bidder in bidders))
    assert [session["user"]["id"] for session in sessions] == [bidder.pk for bidder in bidders]
    assert sorted(int(user_id) for batch in loads for user_id in batch) == sorted(bidder.pk for bidder in bidders)
    assert len(loads) < len(bidders)  # the handshakes that arrived while a query ran shared the next one


async def test_a_token_for_a_user_that_is_gone_is_refused_beside_good_ones():
    bidder = await sync_to_async(BidderFactory)()
    gone = await sync_to_async(BidderFactory)()
    gone_token = str(AccessToken.for_user(gone))
    await sync_to_async(gone.delete)()
    good, refused = await asyncio.gather(session_of(str(AccessToken.for_user(bidder))), session_of(gone_token))
    assert good["user"]["id"] == bidder.pk
    assert (refused["type"], refused.get("code")) == ("error", "token_not_valid"), refused


async def test_a_lowered_standing_is_read_afresh_at_the_next_handshake():
    bidder = await sync_to_async(BidderFactory)()
    token = str(AccessToken.for_user(bidder))
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={token}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    await socket.receive_json_from()

    def deactivate():
        user = User.objects.get(pk=bidder.pk)
        user.is_active = False
        user.save()

    await sync_to_async(deactivate)()
    message = await socket.receive_json_from(timeout=5)
    assert message.get("code") == "session_revoked", message
    refused = await session_of(token)
    assert (refused["type"], refused.get("code")) == ("error", "token_not_valid"), refused
