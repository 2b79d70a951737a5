"""JWT authentication for WebSocket handshakes (`/ws/...?token=<access token>`).

Browsers cannot set headers on a WebSocket, so the access token travels in the query string. No token means an
anonymous viewer. A bad token is not silently downgraded to anonymous: the consumer is told why
(`scope["auth_error"]`) and closes the socket with a clear close code, so the client knows to refresh.

The socket also speaks the language the handshake asked for (Accept-Language, as the REST API does): it is
active for the whole life of the connection, so every message the consumer sends is in it.
"""

import asyncio
import time
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from config.outage import is_outage, log_outage

from .models import User

# Close codes in the private range (4000–4999), stable for the SPA and the iOS app.
CLOSE_TOKEN_EXPIRED = 4401
CLOSE_TOKEN_INVALID = 4403
CLOSE_ABUSE = 4429
# The user's standing fell (deactivated, demoted, approval revoked): reconnect to get the session as it is now.
CLOSE_SESSION_REVOKED = 4409
# A dependency is down (DESIGN.md: 503 `unavailable` over HTTP; the standard 1013 "Try Again Later" is not a
# code a server may send through daphne): the client reconnects after a back-off and resyncs every room.
CLOSE_UNAVAILABLE = 4503


def _active_users_sync(user_ids: list[str]) -> dict[str, User]:
    return {str(user.pk): user for user in User.objects.filter(pk__in=user_ids, is_active=True)}


# In the thread pool rather than the one shared sync thread: a burst of handshakes must not queue behind each other.
_load_active_users = DatabaseSyncToAsync(_active_users_sync, thread_sensitive=False)

# A phone that reconnects, or a user with several tabs, needs the user row once every few seconds, not per
# handshake. Nothing stale can bid: the bid service re-reads the standing under the lot's lock, and a lowered
# standing evicts the entry in every process (forget_user, from the socket rooms).
USER_CACHE_SECONDS = 10
_user_cache: dict[str, tuple[float, object]] = {}


class _UserLoader:
    """The handshakes of one event loop waiting for their user: one query serves every handshake that arrived
    while the previous query ran (10,000 sockets join in a burst, 256 at a time: a few dozen queries, not
    10,000). The DataLoader pattern."""

    def __init__(self, loop):
        self.loop = loop
        self.waiting: dict[str, list[asyncio.Future]] = {}
        self.task: asyncio.Task | None = None

    async def load(self, user_id: str):
        future = self.loop.create_future()
        self.waiting.setdefault(user_id, []).append(future)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._load_waiting())
        return await future

    async def _load_waiting(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, {}
            try:
                users = await _load_active_users(list(batch))
            except Exception as exc:
                _settle(batch, error=exc)
                continue
            expires = time.monotonic() + USER_CACHE_SECONDS
            if len(_user_cache) + len(users) > 50_000:
                _user_cache.clear()  # a bound, not an eviction policy: it refills from the next handshakes
            for user_id, user in users.items():
                _user_cache[user_id] = (expires, user)
            _settle(batch, users=users)


def _settle(batch: dict, *, users: dict | None = None, error: Exception | None = None) -> None:
    for user_id, futures in batch.items():
        for future in futures:
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(users.get(user_id))


_loaders: dict[int, _UserLoader] = {}


async def _active_user(user_id):
    user_id = str(user_id)  # the token's claim is text; forget_user gets the primary key
    if not user_id.isdigit():
        return None
    cached = _user_cache.get(user_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    loop = asyncio.get_running_loop()
    loader = _loaders.get(id(loop))
    if loader is None or loader.loop is not loop:
        loader = _loaders[id(loop)] = _UserLoader(loop)
    return await loader.load(user_id)


def forget_user(user_id: int) -> None:
    """Drop a user's cached state in this process (their standing changed)."""
    _user_cache.pop(str(user_id), None)


def handshake_language(scope) -> str:
    """The supported language the handshake's Accept-Language prefers, else LANGUAGE_CODE."""
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    return translation.get_language_from_request(SimpleNamespace(COOKIES={}, META={"HTTP_ACCEPT_LANGUAGE": accept}))


async def _try_again_later(receive, send) -> None:
    """The token's user cannot be read (PostgreSQL is down): rather than a 500 for the handshake, the socket opens
    and closes at once with 4503, which the clients take as "reconnect later"."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE, "reason": "unavailable"})


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        try:
            scope = await authenticated_scope(scope)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log_outage(exc, scope.get("path", "/ws/"))
            return await _try_again_later(receive, send)
        # The consumer runs inside this call (same task), so the language stays active for the connection. The
        # scope is this middleware's own copy already: no second one (BaseMiddleware's) for the socket's life.
        with translation.override(scope["language"]):
            return await self.inner(scope, receive, send)


async def authenticated_scope(scope) -> dict:
    """A copy of the handshake's scope with its user (or why there is none), the token's expiry and the language.
    Apart from the middleware's call, so the token and the query string it parsed are not kept for as long as the
    socket lives (10,000 sockets hold 10,000 of whatever a suspended frame holds)."""
    scope = dict(
        scope,
        user=AnonymousUser(),
        auth_error=None,
        token_expires_at=None,
        language=handshake_language(scope),
    )
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    raw = (params.get("token") or [""])[0]
    if not raw:
        return scope
    try:
        token = AccessToken(raw)
    except ExpiredTokenError:
        scope["auth_error"] = "token_expired"
        return scope
    except TokenError:
        scope["auth_error"] = "token_not_valid"
        return scope
    user = await _active_user(token.get(api_settings.USER_ID_CLAIM))
    if user is None:
        scope["auth_error"] = "token_not_valid"
    else:
        scope["user"] = user
        scope["token_expires_at"] = int(token["exp"])
    return scope
