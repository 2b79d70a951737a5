"""Which WebSocket handshakes may open a socket, by their Origin header.

A browser always sends Origin, and a page of another site must not open a socket that carries the user's token, so
a browser's Origin must be one of this site's hosts (ALLOWED_HOSTS). A native client (the iOS app) is no browser and
sends no Origin at all: it is accepted, and the token decides who it is, exactly as for the REST API, which checks
no Origin either. An Origin that is present but empty or opaque ("null": a sandboxed frame, a file) is a browser
hiding where it comes from, and is refused.
"""

from channels.security.websocket import OriginValidator
from django.conf import settings


class SiteOriginValidator(OriginValidator):
    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None:  # no Origin header: not a browser
            return True
        return super().valid_origin(parsed_origin)


def site_origin_validator(application) -> SiteOriginValidator:
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return SiteOriginValidator(application, allowed_hosts)
