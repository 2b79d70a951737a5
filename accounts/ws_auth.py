"""JWT authentication for WebSocket handshakes (`/ws/...?token=<access token>`).

Browsers cannot set headers on a WebSocket, so the access token travels in the query string. No token means an
anonymous viewer. A bad token is not silently downgraded to anonymous: the consumer is told why
(`scope["auth_error"]`) and closes the socket with a clear close code, so the client knows to refresh.

The socket also speaks the language the handshake asked for (Accept-Language, as the REST API does): it is
active for the whole life of the connection, so every message the consumer sends is in it.
"""

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

from .models import User

# Close codes in the private range (4000–4999), stable for the SPA and the iOS app.
CLOSE_TOKEN_EXPIRED = 4401
CLOSE_TOKEN_INVALID = 4403
CLOSE_ABUSE = 4429
# The user's standing fell (deactivated, demoted, approval revoked): reconnect to get the session as it is now.
CLOSE_SESSION_REVOKED = 4409


def _active_user_sync(user_id):
    return User.objects.filter(pk=user_id, is_active=True).first()


# In the thread pool rather than the one shared sync thread: a burst of handshakes must not queue behind each other.
_load_active_user = DatabaseSyncToAsync(_active_user_sync, thread_sensitive=False)

# A phone that reconnects, or a user with several tabs, needs the user row once every few seconds, not per
# handshake (10,000 sockets join in a burst). Nothing stale can bid: the bid service re-reads the standing under
# the lot's lock, and a lowered standing evicts the entry in every process (forget_user, from the socket rooms).
USER_CACHE_SECONDS = 10
_user_cache: dict[str, tuple[float, object]] = {}


async def _active_user(user_id):
    now = time.monotonic()
    user_id = str(user_id)  # the token's claim is text; forget_user gets the primary key
    cached = _user_cache.get(user_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    user = await _load_active_user(user_id)
    if user is not None:
        if len(_user_cache) > 50_000:
            _user_cache.clear()  # a bound, not an eviction policy: it refills from the next handshakes
        _user_cache[user_id] = (now + USER_CACHE_SECONDS, user)
    return user


def forget_user(user_id: int) -> None:
    """Drop a user's cached state in this process (their standing changed)."""
    _user_cache.pop(str(user_id), None)


def handshake_language(scope) -> str:
    """The supported language the handshake's Accept-Language prefers, else LANGUAGE_CODE."""
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    return translation.get_language_from_request(SimpleNamespace(COOKIES={}, META={"HTTP_ACCEPT_LANGUAGE": accept}))


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        scope = dict(
            scope,
            user=AnonymousUser(),
            auth_error=None,
            token_expires_at=None,
            language=handshake_language(scope),
        )
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        raw = (params.get("token") or [""])[0]
        if raw:
            try:
                token = AccessToken(raw)
            except ExpiredTokenError:
                scope["auth_error"] = "token_expired"
            except TokenError:
                scope["auth_error"] = "token_not_valid"
            else:
                user = await _active_user(token.get(api_settings.USER_ID_CLAIM))
                if user is None:
                    scope["auth_error"] = "token_not_valid"
                else:
                    scope["user"] = user
                    scope["token_expires_at"] = int(token["exp"])
        # The consumer runs inside this call (same task), so the language stays active for the connection.
        with translation.override(scope["language"]):
            return await super().__call__(scope, receive, send)
