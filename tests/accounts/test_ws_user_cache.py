"""The handshake reads a user's row once every few seconds, not per socket (issue 14's cheap joins); a lowered
standing drops the cached row in the process at once."""

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
    real = ws_auth._load_active_user

    async def counted(user_id):
        loads.append(user_id)
        return await real(user_id)

    monkeypatch.setattr(ws_auth, "_load_active_user", counted)
    for _ in range(3):
        assert (await session_of(token))["user"]["role"] == "bidder"
    assert [str(user_id) for user_id in loads] == [str(bidder.pk)]


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
