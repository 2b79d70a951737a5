"""The WebSocket handshake: who the socket belongs to, and what happens to bad, expired and missing tokens.

Runs against the real ASGI application (origin validation → JWT middleware → consumer) and the Redis
channel layer.
"""

import asyncio
import base64
import json
from datetime import timedelta

import jwt
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.ws_auth import CLOSE_TOKEN_EXPIRED, CLOSE_TOKEN_INVALID
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED_ORIGIN = (b"origin", b"http://localhost")


def _communicator(token: str | None = None, origin: tuple[bytes, bytes] | None = ALLOWED_ORIGIN):
    path = "/ws/auctions/" + (f"?token={token}" if token is not None else "")
    headers = [origin] if origin else []
    return WebsocketCommunicator(application, path, headers=headers)


@database_sync_to_async
def _make_bidder(**fields):
    from tests.accounts.factories import BidderFactory

    return BidderFactory(**fields)


@database_sync_to_async
def _access_token(user, lifetime: timedelta | None = None) -> str:
    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


async def _expect_refusal(communicator, code: str, close_code: int) -> None:
    connected, _ = await communicator.connect()
    assert connected, "the socket is accepted first, so the client can read why it is closed"
    error = await communicator.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["detail"]
    assert isinstance(error["server_time"], int)
    closed = await communicator.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": close_code}


async def test_valid_token_opens_a_session_for_the_user():
    # Given a bidder with a fresh access token
    bidder = await _make_bidder(paddle_number=321)
    communicator = _communicator(await _access_token(bidder))

    # When the socket connects
    connected, _ = await communicator.connect()

    # Then it is accepted and the first message says who it belongs to, by role and paddle only
    assert connected
    session = await communicator.receive_json_from(timeout=3)
    assert session["type"] == "session"
    assert session["user"]["role"] == "bidder"
    assert session["user"]["paddle_number"] == 321
    assert "username" not in session["user"] and "email" not in session["user"]
    assert isinstance(session["server_time"], int)
    await communicator.disconnect()


async def test_no_token_opens_an_anonymous_viewer_session():
    communicator = _communicator()
    connected, _ = await communicator.connect()
    assert connected
    session = await communicator.receive_json_from(timeout=3)
    assert session["type"] == "session"
    assert session["user"] == {"role": "anonymous", "paddle_number": None}
    await communicator.disconnect()


async def test_expired_token_is_refused_with_4401():
    bidder = await _make_bidder()
    expired = await _access_token(bidder, lifetime=timedelta(seconds=-60))
    await _expect_refusal(_communicator(expired), "token_expired", CLOSE_TOKEN_EXPIRED)


async def test_token_signed_with_another_key_is_refused_with_4403():
    bidder = await _make_bidder()
    claims = AccessToken(await _access_token(bidder)).payload
    forged = jwt.encode(claims, "not-the-servers-signing-key-" + "y" * 32, algorithm="HS256")
    await _expect_refusal(_communicator(forged), "token_not_valid", CLOSE_TOKEN_INVALID)


async def test_tampered_token_is_refused_with_4403():
    # Given a genuine token whose payload is rewritten to claim another user, keeping the old signature
    bidder = await _make_bidder()
    victim = await _make_bidder()
    header, payload, signature = (await _access_token(bidder)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(victim.pk)
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    await _expect_refusal(
        _communicator(f"{header}.{forged_payload}.{signature}"), "token_not_valid", CLOSE_TOKEN_INVALID
    )


async def test_garbage_token_is_refused_with_4403():
    await _expect_refusal(_communicator("not.a.jwt"), "token_not_valid", CLOSE_TOKEN_INVALID)


async def test_refresh_token_is_not_accepted_as_an_access_token():
    bidder = await _make_bidder()
    refresh = await database_sync_to_async(lambda: str(RefreshToken.for_user(bidder)))()
    await _expect_refusal(_communicator(refresh), "token_not_valid", CLOSE_TOKEN_INVALID)


async def test_token_of_a_deactivated_user_is_refused_with_4403():
    bidder = await _make_bidder(is_active=False)
    await _expect_refusal(_communicator(await _access_token(bidder)), "token_not_valid", CLOSE_TOKEN_INVALID)


async def test_socket_is_closed_when_its_token_expires():
    # Given a socket opened with a token that has two seconds left
    bidder = await _make_bidder()
    communicator = _communicator(await _access_token(bidder, lifetime=timedelta(seconds=2)))
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=3))["type"] == "session"

    # When the token's lifetime runs out, the server says so and closes the socket with 4401
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error"
    assert error["code"] == "token_expired"
    closed = await communicator.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_TOKEN_EXPIRED}


async def test_socket_is_not_closed_before_its_token_expires():
    bidder = await _make_bidder()
    communicator = _communicator(await _access_token(bidder, lifetime=timedelta(minutes=5)))
    await communicator.connect()
    await communicator.receive_json_from(timeout=3)
    await asyncio.sleep(1.5)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        (b"origin", b"http://evil.example.com"),
        (b"origin", b"http://localhost.evil.example.com"),
        (b"origin", b"null"),
        (b"origin", b""),
    ],
    ids=["foreign-site", "lookalike-host", "opaque-origin", "empty-origin"],
)
async def test_handshake_from_a_disallowed_origin_is_refused(origin):
    bidder = await _make_bidder()
    communicator = _communicator(await _access_token(bidder), origin=origin)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin", [(b"origin", b"http://localhost"), (b"origin", b"http://127.0.0.1:8000")], ids=["localhost", "ip-port"]
)
async def test_handshake_from_the_sites_own_origin_is_accepted(origin):
    bidder = await _make_bidder()
    communicator = _communicator(await _access_token(bidder), origin=origin)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=3))["user"]["role"] == "bidder"
    await communicator.disconnect()


async def test_a_native_client_without_an_origin_header_and_a_valid_token_is_accepted():
    # Given the iOS app: no browser, so no Origin header, and a bidder's access token
    bidder = await _make_bidder(paddle_number=654)
    communicator = _communicator(await _access_token(bidder), origin=None)

    # When it connects, the socket is the bidder's
    connected, _ = await communicator.connect()
    assert connected
    session = await communicator.receive_json_from(timeout=3)
    assert (session["user"]["role"], session["user"]["paddle_number"]) == ("bidder", 654)
    await communicator.disconnect()


async def test_a_native_client_without_an_origin_header_and_a_bad_token_is_told_why():
    await _expect_refusal(_communicator("not.a.jwt", origin=None), "token_not_valid", CLOSE_TOKEN_INVALID)
