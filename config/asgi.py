"""ASGI entry point: HTTP goes to Django (all but /metrics, which config.metrics_export answers); WebSockets pass
origin validation (a browser's Origin must be the site's own; native clients send none) and JWT auth to the
consumers."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.ws_auth import JWTAuthMiddleware  # noqa: E402
from accounts.ws_origin import site_origin_validator  # noqa: E402
from bidding.routing import websocket_urlpatterns  # noqa: E402
from config.logs import WebSocketLogContext  # noqa: E402
from config.metrics_export import with_metrics  # noqa: E402
from config.server import leave_multipart_parsing_to_django  # noqa: E402

leave_multipart_parsing_to_django()

application = ProtocolTypeRouter(
    {
        # /metrics (token or allowed address) is answered in front of Django; everything else is Django's.
        "http": with_metrics(django_asgi_app),
        "websocket": site_origin_validator(JWTAuthMiddleware(WebSocketLogContext(URLRouter(websocket_urlpatterns)))),
    }
)

# Everything loaded so far lives as long as the process: move it out of the collector's sight, and collect
# the old generation far less often. With thousands of sockets a full collection stalled daphne for up to
# 2.7 s (bench/RESULTS.md).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
