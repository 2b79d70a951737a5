"""Adjustments to the ASGI server (daphne) made when the application is loaded into it."""


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
