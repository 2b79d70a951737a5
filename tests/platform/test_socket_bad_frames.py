"""Bad frames on the auction socket are answered with an error code and leave the socket open; a client that
keeps sending them is cut off with 4429. Runs on the real ASGI application and the Redis channel layer."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from accounts.ws_auth import CLOSE_ABUSE
from bidding.consumers import MAX_BAD_FRAMES
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

TEXT_FRAMES = {
    "not_json": ("{nope", "invalid_json"),
    "truncated": ('{"type": "auction:join"', "invalid_json"),
    "list": ('["auction:join"]', "invalid_message"),
    "string": ('"auction:join"', "invalid_message"),
    "number": ("42", "invalid_message"),
    "null": ("null", "invalid_message"),
    "no_type": ('{"auction_id": 1}', "invalid_message"),
    "type_not_a_string": ('{"type": 7}', "invalid_message"),
    "unknown_type": ('{"type": "auction:explode"}', "unknown_type"),
    "deeply_nested": ("[" * 30_000 + "]" * 30_000, "invalid_json"),
    "nested_in_an_object": ('{"type": "auction:join", "x": ' + "[" * 30_000 + "]" * 30_000 + "}", "invalid_json"),
    "lone_surrogate": ('{"type": "auction:join\\ud800"}', "invalid_json"),
    "surrogate_in_a_key": ('{"type": "auction:bid", "idempotency_key": "k\\udc00", "auction_id": 1}', "invalid_json"),
    "nan": ('{"type": "auction:bid", "auction_id": 1, "amount": NaN}', "invalid_json"),
    "too_large": (json.dumps({"type": "auction:join", "pad": "x" * 70_000}), "message_too_large"),
}


async def _open() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/auctions/", headers=[(b"origin", b"http://localhost")])
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=3))["type"] == "session"
    return communicator


@pytest.mark.parametrize(("frame", "code"), TEXT_FRAMES.values(), ids=TEXT_FRAMES.keys())
async def test_bad_text_frame_gets_an_error_code_and_the_socket_stays_open(frame, code):
    communicator = await _open()
    await communicator.send_to(text_data=frame)
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["detail"]

    # The socket still works: a second bad frame is answered the same way
    await communicator.send_to(text_data="{nope")
    assert (await communicator.receive_json_from(timeout=3))["code"] == "invalid_json"
    await communicator.disconnect()


async def test_binary_frame_is_refused_with_a_code():
    communicator = await _open()
    await communicator.send_to(bytes_data=b'{"type": "auction:join", "auction_id": 1}')
    error = await communicator.receive_json_from(timeout=3)
    assert error["code"] == "invalid_json"
    await communicator.disconnect()


async def test_a_client_that_keeps_sending_bad_frames_is_cut_off_with_4429():
    communicator = await _open()
    for _ in range(MAX_BAD_FRAMES):
        await communicator.send_to(text_data="{nope")
        assert (await communicator.receive_json_from(timeout=3))["code"] == "invalid_json"
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": CLOSE_ABUSE}
