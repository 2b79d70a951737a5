"""The socket pool's server (uvicorn's websockets protocol): it lets the handshake go once a socket is accepted
(config.server.forget_handshake), and the socket works on as before; a room event's frame, made once, is written
straight to each open socket (config.server.frame_writer), which a WebSocket client reads as the event's text."""

import asyncio
import json

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.uri import parse_uri

from config import server
from config.server import forget_handshake, frame_writer, text_frame

HANDSHAKE = (
    b"GET /ws/auctions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    b"Accept-Language: ja-JP,ja;q=0.9\r\nUser-Agent: Mozilla/5.0 (iPhone)\r\n\r\n"
)


class Transport:
    def __init__(self):
        self.written = b""
        self.buffered = 0  # what the peer has not read yet, as the kernel would keep it
        self.aborted = False

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data):
        self.written += data

    def is_closing(self):
        return self.aborted

    def get_write_buffer_size(self):
        return self.buffered

    def abort(self):
        self.aborted = True

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


WRITERS = {}


async def writer_app(scope, receive, send):
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    WRITERS["write"] = frame_writer(send)
    while (message := await receive())["type"] == "websocket.receive":
        if message.get("text") == "close":
            await send({"type": "websocket.close", "code": 4000})


async def open_socket(app=writer_app, **options):
    config = Config(app, ws="websockets-sansio", lifespan="off", log_level="warning", **options)
    config.load()
    protocol = WebSocketsSansIOProtocol(config, ServerState(), {})
    transport = Transport()
    protocol.connection_made(transport)
    protocol.data_received(HANDSHAKE)
    for _ in range(50):
        await asyncio.sleep(0.01)
        if "write" in WRITERS:
            break
    return protocol, transport


def frames_read_by_a_client(data: bytes) -> list:
    """What a WebSocket client (websockets' own, on an open connection) makes of the bytes the server wrote."""
    client = ClientProtocol(parse_uri("ws://127.0.0.1/ws/auctions/"), state=State.OPEN)
    client.receive_data(data)
    return client.events_received()


async def test_a_room_events_frame_made_once_is_read_by_a_client_as_the_events_text():
    WRITERS.clear()
    protocol, transport = await open_socket(ws_per_message_deflate=False)
    write = WRITERS["write"]
    assert write is not None
    handshake_end = transport.written.index(b"\r\n\r\n") + 4
    first = '{"type":"auction:update","auction_id":7,"seq":3,"price":12000000,"horse":"サンデーサイレンス"}'
    second = '{"type":"auction:extended","auction_id":7,"seq":4}'
    assert write(text_frame(first)) and write(text_frame(second))

    events = frames_read_by_a_client(transport.written[handshake_end:])
    assert [(event.opcode, event.data.decode()) for event in events] == [(Opcode.TEXT, first), (Opcode.TEXT, second)]
    protocol.connection_lost(None)
    await asyncio.sleep(0.01)


async def test_a_closing_or_gone_socket_is_left_to_the_protocol():
    WRITERS.clear()
    protocol, transport = await open_socket(ws_per_message_deflate=False)
    write = WRITERS["write"]
    protocol.data_received(Frame(Opcode.TEXT, b"close").serialize(mask=True))
    await asyncio.sleep(0.05)
    assert protocol.close_sent
    written = len(transport.written)
    assert write(text_frame('{"type":"auction:update"}')) is False
    assert len(transport.written) == written  # nothing after the close frame

    WRITERS.clear()
    protocol, transport = await open_socket(ws_per_message_deflate=False)
    write = WRITERS["write"]
    protocol.connection_lost(None)
    await asyncio.sleep(0.01)
    assert write(text_frame('{"type":"auction:update"}')) is False


async def test_a_peer_that_stops_reading_is_cut_rather_than_waited_for(caplog):
    WRITERS.clear()
    protocol, transport = await open_socket(ws_per_message_deflate=False)
    write = WRITERS["write"]
    transport.buffered = server.MAX_BUFFERED_BYTES  # at the limit: still written
    before = len(transport.written)
    assert write(text_frame("{}")) and len(transport.written) > before and not transport.aborted

    transport.buffered = server.MAX_BUFFERED_BYTES + 1
    written = len(transport.written)
    assert write(text_frame("{}")) is True  # handled: the socket is cut, nobody waits on it
    assert transport.aborted and len(transport.written) == written
    assert "unread" in caplog.text
    protocol.connection_lost(None)
    await asyncio.sleep(0.01)


async def test_with_compression_every_socket_frames_its_own():
    WRITERS.clear()
    compressing = HANDSHAKE.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    config = Config(writer_app, ws="websockets-sansio", lifespan="off", log_level="warning")
    config.load()
    protocol = WebSocketsSansIOProtocol(config, ServerState(), {})
    transport = Transport()
    protocol.connection_made(transport)
    protocol.data_received(compressing)
    for _ in range(50):
        await asyncio.sleep(0.01)
        if "write" in WRITERS:
            break
    assert b"permessage-deflate" in transport.written  # negotiated
    assert WRITERS["write"] is None
    protocol.connection_lost(None)
    await asyncio.sleep(0.01)


def test_under_another_server_there_is_no_direct_writer():
    async def send(message): ...

    assert frame_writer(send) is None
