"""Adjustments to the ASGI servers (daphne, uvicorn) made when the application is loaded into them."""


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


def _is_uvicorn_websocket(protocol) -> bool:
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:
        return False
    return isinstance(protocol, WebSocketsSansIOProtocol)
