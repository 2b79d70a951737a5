"""A bidder whose standing falls loses their open sockets at once (issue 12): deactivated, demoted to viewer, or
un-approved in the admin, they must not keep a session that shows them as a bidder."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.ws_auth import CLOSE_SESSION_REVOKED
from config.asgi import application
from tests.accounts.factories import BidderFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def open_socket(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={AccessToken.for_user(user)}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "session"
    return socket


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": "viewer"}, {"is_approved_to_bid": False}], ids=str)
async def test_a_lowered_standing_closes_the_users_open_sockets(change):
    bidder = await sync_to_async(BidderFactory)()
    socket = await open_socket(bidder)

    def lower():
        user = User.objects.get(pk=bidder.pk)
        for field, value in change.items():
            setattr(user, field, value)
        user.save()

    await sync_to_async(lower)()

    error = await socket.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "session_revoked")
    assert (await socket.receive_output(timeout=5))["code"] == CLOSE_SESSION_REVOKED


async def test_a_save_that_leaves_the_standing_alone_keeps_the_socket_open():
    bidder = await sync_to_async(BidderFactory)()
    socket = await open_socket(bidder)

    def rename():
        user = User.objects.get(pk=bidder.pk)
        user.first_name = "花子"
        user.save()

    await sync_to_async(rename)()
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()
