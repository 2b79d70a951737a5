"""A dependency that is down answers 503 `{"code": "unavailable"}` with Retry-After (DESIGN.md), never a 500.

PostgreSQL unreachable or out of pool connections, a statement or lock wait cut short, Redis gone: the request
could not be carried out now, and a retry in a few seconds may well succeed. The REST exception handler maps
these through `outage_response`; the middleware does the same for the plain Django views (the admin, the SPA's
routes), so no dependency failure reaches Django's 500 page.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("config.outage")

RETRY_AFTER_SECONDS = 5
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, RedisConnectionError, RedisTimeoutError)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_body() -> dict:
    return {
        "code": "unavailable",
        "detail": _("The service is briefly unavailable. Try again in a few seconds."),
        "retry_after": RETRY_AFTER_SECONDS,
    }


def log_outage(exc: BaseException, path: str) -> None:
    logger.warning("dependency unavailable on %s: %s: %s", path, type(exc).__name__, str(exc)[:200])


class OutageMiddleware:
    """Turns a dependency outage in any view into a JSON 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_outage(exc):
            return None
        log_outage(exc, request.path)
        response = JsonResponse(outage_body(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
