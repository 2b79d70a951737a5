"""Adjustments to the ASGI servers (daphne, uvicorn) made when the application is loaded into them."""

import logging
from collections.abc import Callable

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

logger = logging.getLogger(__name__)

# A socket whose peer has left this much unread is cut rather than waited for: it resyncs when it reconnects, and
# the room's other watchers never wait behind it (a phone in a tunnel holds its TCP window shut for minutes).
MAX_BUFFERED_BYTES = 1 << 20


def leave_multipart_parsing_to_django() -> None:
    """Twisted, under daphne, parses every multipart POST body itself (into `request.args`, which daphne never
    reads) before the application sees it, and answers a body it cannot parse with a bare "400 Bad Request" with no
    body and no headers. Turning that off lets Django's parser decide, so a broken upload gets the API's JSON error,
    and an upload is no longer held in memory twice."""
    try:
        from daphne import http_protocol
    except ImportError:  # another ASGI server
        return

    base = http_protocol.WebRequest
    if getattr(base, "leaves_multipart_to_django", False):
        return

    class WebRequest(base):
        leaves_multipart_to_django = True

        def __init__(self, *args, **kwargs):
            kwargs["parsePOSTFormSubmission"] = False
            super().__init__(*args, **kwargs)

    # daphne's HTTPFactory looks the name up in its module each time it builds a connection's protocol.
    http_protocol.WebRequest = WebRequest


def forget_handshake(send) -> None:
    """uvicorn's websockets protocol keeps the handshake's request and response, headers and all, for the life of
    the socket, though it never reads them again once the socket is accepted: about 5 KiB a socket, 50 MB for
    10,000 (bench/socket_memory.py). `send` is the connection's ASGI send, a method of that protocol; under
    another server (daphne) nothing happens."""
    protocol = getattr(send, "__self__", None)
    if not _is_uvicorn_websocket(protocol) or not protocol.handshake_complete:
        return
    if protocol.request is not None:
        # The websockets parser's suspended frame holds the request object too: its headers are what weigh.
        protocol.request.headers.clear()
    protocol.request = protocol.response = None


def text_frame(text: str) -> bytes:
    """A server's (unmasked, uncompressed) WebSocket text frame, as websockets itself would write it: the same
    bytes serve every socket of a room."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def frame_writer(send) -> Callable[[bytes], bool] | None:
    """A function that writes a ready frame (`text_frame`) straight to the socket's transport, for uvicorn's
    websockets protocol without compression; None under any other server (daphne), or with per-message deflate
    (each socket's frames then differ). It returns False when the socket is not open for plain writes (closing,
    gone, a control frame of the protocol's still unwritten): the caller then sends the usual way, and the
    protocol decides. Framing once per room event instead of once per socket halves the fan-out's CPU
    (bench/socket_memory.py)."""
    protocol = getattr(send, "__self__", None)
    if not _is_uvicorn_websocket(protocol) or protocol.conn.extensions:
        return None
    conn, transport = protocol.conn, protocol.transport

    def write(frame: bytes) -> bool:
        if protocol.close_sent or protocol.disconnected or conn.state is not State.OPEN or conn.writes:
            return False
        if transport.get_write_buffer_size() > MAX_BUFFERED_BYTES:
            logger.warning("ws peer %s left over %d bytes unread: cut", protocol.client, MAX_BUFFERED_BYTES)
            transport.abort()  # the protocol hears connection_lost, and the consumer its disconnect
            return True
        transport.write(frame)
        return True

    return write


def _is_uvicorn_websocket(protocol) -> bool:
    return isinstance(protocol, WebSocketsSansIOProtocol)
