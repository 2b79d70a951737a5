"""A notification reaches the user's open socket live."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from config.asgi import application
from notifications import services
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_notification_is_pushed_to_the_users_own_socket(bidder, rival):
    auction = await sync_to_async(ActiveAuctionFactory)()
    socket = WebsocketCommunicator(
        application, f"/ws/auctions/?token={AccessToken.for_user(bidder)}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "session"

    created = await sync_to_async(services.notification_create)(
        user_id=bidder.pk, kind="outbid", dedupe_key="live", auction=auction, data={"amount": 1_100_000}
    )
    await sync_to_async(services.notification_create)(user_id=rival.pk, kind="outbid", dedupe_key="live")

    message = await socket.receive_json_from(timeout=3)
    assert message["type"] == "notification"
    assert (message["id"], message["kind"], message["auction_id"]) == (created.pk, "outbid", auction.pk)
    assert message["data"]["amount"] == 1_100_000
    assert "server_time" in message
    assert await socket.receive_nothing(timeout=0.5)  # the rival's notice went to the rival only
    await socket.disconnect()
