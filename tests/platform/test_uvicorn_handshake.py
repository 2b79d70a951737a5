"""The socket pool's server (uvicorn's websockets protocol) lets the handshake go once a socket is accepted
(config.server.forget_handshake), and the socket works on as before."""

import asyncio
import json

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

from config.server import forget_handshake

HANDSHAKE = (
    b"GET /ws/auctions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Accept-Language: ja-JP,ja;q=0.9\r\nUser-Agent: Mozilla/5.0 (iPhone)\r\n\r\n"
)


class Transport:
    def __init__(self):
        self.written = b""

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data):
        self.written += data

    def is_closing(self):
        return False

    def close(self): ...

    def pause_reading(self): ...

    def resume_reading(self): ...


SEEN = {}


async def echo_app(scope, receive, send):
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    SEEN["request"] = send.__self__.request
    forget_handshake(send)
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"].upper()})


async def test_an_accepted_socket_lets_the_handshake_go_and_still_talks():
    config = Config(echo_app, ws="websockets-sansio", lifespan="off", log_level="warning")
    config.load()
    protocol = WebSocketsSansIOProtocol(config, ServerState(), {})
    transport = Transport()
    protocol.connection_made(transport)
    protocol.data_received(HANDSHAKE)
    for _ in range(50):
        await asyncio.sleep(0.01)
        if protocol.request is None:
            break
    assert transport.written.startswith(b"HTTP/1.1 101")
    assert protocol.request is None and protocol.response is None
    # websockets' parser still holds the request object itself: its headers are gone
    assert isinstance(SEEN["request"], Request) and len(SEEN["request"].headers) == 0

    before = len(transport.written)
    protocol.data_received(Frame(Opcode.TEXT, json.dumps({"a": "b"}).encode()).serialize(mask=True))
    await asyncio.sleep(0.05)
    assert transport.written[before:].endswith(b'{"A": "B"}')
    protocol.connection_lost(None)
    await asyncio.sleep(0.01)


def test_under_another_server_nothing_happens():
    async def send(message): ...

    forget_handshake(send)  # a plain function: no protocol behind it, no error
