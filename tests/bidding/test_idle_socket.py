"""A socket that sits quietly in a room for longer than the Redis client's read timeout still gets the next event
(redis-py 8 times out blocking reads after 5 s by default, which once dropped every idle socket with 1011)."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from auctions.events import auction_group, room_message
from config.asgi import application
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory()


async def test_quiet_socket_survives_longer_than_the_read_timeout(lot):
    socket = WebsocketCommunicator(application, "/ws/auctions/", headers=[(b"origin", b"http://localhost")])
    assert (await socket.connect())[0]
    await socket.receive_json_from()  # session
    await socket.send_json_to({"type": "auction:join", "auction_id": lot.pk})
    assert (await socket.receive_json_from())["type"] == "auction:state"

    await asyncio.sleep(7)  # nothing happens for a while
    assert await socket.receive_nothing(timeout=0.1)

    from channels.layers import get_channel_layer

    await get_channel_layer().group_send(
        auction_group(lot.pk), room_message({"type": "auction:timer", "auction_id": lot.pk})
    )
    assert (await socket.receive_json_from(timeout=3))["type"] == "auction:timer"
    await socket.disconnect()
