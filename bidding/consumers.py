"""The auction-room socket at /ws/auctions/.

Parses frames, checks who is asking, calls the same services as the REST views, and replies. One socket may
watch many auctions at once (a list page). No auction rule lives here.
"""

import asyncio
import json
import logging
import time
from concurrent.futures.process import BrokenProcessPool

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _
from uvicorn.protocols.utils import ClientDisconnected

from accounts.models import is_organizer
from accounts.ws_auth import (
    CLOSE_ABUSE,
    CLOSE_SESSION_REVOKED,
    CLOSE_TOKEN_EXPIRED,
    CLOSE_TOKEN_INVALID,
    CLOSE_UNAVAILABLE,
    forget_user,
)
from auctions.events import auction_group, auction_of_group, user_group
from auctions.selectors import auction_get, auction_snapshot
from auctions.wire import server_time_ms
from config import metrics
from config.outage import OUTAGE_ERRORS, RETRY_AFTER_SECONDS, log_outage, outage_body
from config.parsers import strict_json_loads
from config.server import forget_handshake, frame_writer

from . import bid_processes
from .rooms import room_hub

logger = logging.getLogger(__name__)

# Frames that cannot be parsed are answered; a client that keeps sending them is cut off.
MAX_BAD_FRAMES = 20
# A list page watches many lots at once, but not the whole database.
MAX_ROOMS_PER_SOCKET = 200


class FrameError(Exception):
    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code, self.detail, self.extra = code, detail, extra


class AuctionConsumer(AsyncWebsocketConsumer):
    held: dict[int, list[dict]] | None = None  # room events that arrived while joining that room (set on connect)
    write_frame = None  # writes a room event's ready frame to this socket (config.server.frame_writer), or None

    async def connect(self):
        self.hub = room_hub()
        self.hub.on_recovered = resync_rooms
        self.user = self.scope["user"]
        self.bad_frames = 0
        self.expiry_timer = self.expiry_task = None
        self.rooms: set[int] = set()
        self.held = {}
        auth_error = self.scope.get("auth_error")
        # Accept first, then close with a code: a refused handshake shows the browser no reason at all.
        await self.accept()
        forget_handshake(self.base_send)
        self.write_frame = frame_writer(self.base_send)
        self.counted = True
        bid_processes.warm_up()
        metrics.WS_CONNECTIONS.inc()
        metrics.WS_OPEN_SOCKETS.inc()
        if auth_error:
            expired = auth_error == "token_expired"
            detail = (
                _("The access token has expired. Reconnect with a fresh one.")
                if expired
                else _("The access token is not valid. Sign in again.")
            )
            await self.send_error(auth_error, detail)
            await self.close(code=CLOSE_TOKEN_EXPIRED if expired else CLOSE_TOKEN_INVALID)
            return
        expires_at = self.scope.get("token_expires_at")
        if expires_at:
            # A timer, not a sleeping task per socket: 10,000 sockets hold 10,000 of them.
            self.expiry_timer = asyncio.get_running_loop().call_later(
                max(0.0, expires_at - time.time()), self._token_expired
            )
        if self.user.is_authenticated:
            await self.hub.add(user_group(self.user.pk), self)
        await self.send_json({"type": "session", "user": self._identity()})

    async def __call__(self, scope, receive, send):
        """As Channels' own, for a socket with no channel of its own: the process's room hub (bidding.rooms)
        holds one membership per group and hands each message to the local sockets. So there is no per-socket
        channel, Redis subscription or receive loop, and with only the socket's frames to wait for, they are read
        in this task (Channels' await_many_dispatch adds a task per frame and a waiter beside it)."""
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        """As Channels' own, minus the hop to the sync thread that it makes before every message to close stale
        database connections. Every database call here goes through database_sync_to_async, which closes them
        around the call in the thread that made it (only the socket's own frames come through here now; room
        events come from the hub)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            self.counted = False
            metrics.WS_OPEN_SOCKETS.dec()
            metrics.WS_DISCONNECTIONS.labels(metrics.disconnect_reason(code)).inc()
            metrics.WS_ROOM_LEAVES.inc(len(self.rooms))
        if self.expiry_timer:
            self.expiry_timer.cancel()
        if self.expiry_task:
            self.expiry_task.cancel()
        hub = getattr(self, "hub", None)
        if hub is None:
            return
        for auction_id in self.rooms:
            await hub.discard(auction_group(auction_id), self)
        if getattr(self, "user", None) is not None and self.user.is_authenticated:
            await hub.discard(user_group(self.user.pk), self)

    def _token_expired(self) -> None:
        self.expiry_task = asyncio.create_task(self._close_for_expired_token())

    async def _close_for_expired_token(self) -> None:
        await self.send_error("token_expired", _("The access token has expired. Reconnect with a fresh one."))
        await self.close(code=CLOSE_TOKEN_EXPIRED)

    def _identity(self) -> dict:
        user = self.user
        if not user.is_authenticated:
            return {"role": "anonymous", "paddle_number": None}
        return {"id": user.pk, "role": user.role, "paddle_number": user.paddle_number}

    # --- frames ------------------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        message = {}
        try:
            message = self._parse(text_data, bytes_data)
            handler = self.handlers.get(message["type"])
            if handler is None:
                raise FrameError("unknown_type", _("Unknown message type."), received_type=message["type"])
            await handler(self, message)
        except FrameError as exc:
            self.bad_frames += 1
            logger.info("ws frame refused: %s (user %s)", exc.code, getattr(self.user, "pk", None))
            await self.send_error(exc.code, exc.detail, **exc.extra)
            if self.bad_frames >= MAX_BAD_FRAMES:
                await self.close(code=CLOSE_ABUSE)
        except (*OUTAGE_ERRORS, BrokenProcessPool) as exc:
            # PostgreSQL (or Redis) is down, or a bid process died: the REST contract's 503 `unavailable`, never a
            # 1011. The socket then closes with 4503: the client reconnects after a back-off and every room resyncs
            # (issue 13); a bid it retries with the same key is placed at most once.
            log_outage(exc, self.scope.get("path", "/ws/"))
            echo = {key: message[key] for key in ("auction_id", "idempotency_key") if key in message}
            await self.send_error("unavailable", outage_body()["detail"], retry_after=RETRY_AFTER_SECONDS, **echo)
            await self.close(code=CLOSE_UNAVAILABLE)

    def _parse(self, text_data, bytes_data) -> dict:
        raw = text_data if text_data is not None else bytes_data
        size = len(raw.encode() if isinstance(raw, str) else raw or b"")
        if size > settings.WS_MAX_MESSAGE_BYTES:
            raise FrameError("message_too_large", _("The message is too large."))
        if bytes_data is not None and text_data is None:
            raise FrameError("invalid_json", _("Send JSON text frames."))
        try:
            message = strict_json_loads(raw)  # no NaN, no nesting past the recursion limit, no lone surrogates
        except ValueError as exc:
            raise FrameError("invalid_json", _("The message is not valid JSON.")) from exc
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise FrameError("invalid_message", _("A message must be a JSON object with a string 'type'."))
        return message

    # --- client messages ---------------------------------------------------------------------------------

    async def on_join(self, message: dict) -> None:
        auction_id = _auction_id(message)
        joining = auction_id not in self.rooms
        if not joining:
            await self._send_state(auction_id)
            return
        if len(self.rooms) >= MAX_ROOMS_PER_SOCKET:
            raise FrameError("too_many_rooms", _("Too many auctions joined on one connection."))
        group = auction_group(auction_id)
        # Member before the snapshot is read, so no event can fall between the two; what arrives meanwhile is
        # held back and sent after the snapshot, unless the snapshot already shows it.
        self.held[auction_id] = []
        await self.hub.add(group, self)
        try:
            snapshot = await self._snapshot(auction_id)
        except BaseException:
            await self.hub.discard(group, self)
            raise
        finally:
            held = self.held.pop(auction_id, [])
        if snapshot is None:
            await self.hub.discard(group, self)
            raise FrameError("auction_not_found", _("This auction does not exist."), auction_id=auction_id)
        metrics.WS_ROOM_JOINS.inc()
        self.rooms.add(auction_id)
        await self.send_json({"type": "auction:state", **snapshot})
        for event in held:
            if event.get("seq") is None or event["seq"] > snapshot["seq"]:
                await self.send(text_data=event["text"])

    async def on_state(self, message: dict) -> None:
        auction_id = _auction_id(message)
        if auction_id not in self.rooms:
            raise FrameError("not_joined", _("Join the auction first."), auction_id=auction_id)
        await self._send_state(auction_id)

    async def _send_state(self, auction_id: int) -> None:
        snapshot = await self._snapshot(auction_id)
        if snapshot is None:
            raise FrameError("auction_not_found", _("This auction does not exist."), auction_id=auction_id)
        await self.send_json({"type": "auction:state", **snapshot})

    async def _snapshot(self, auction_id: int) -> dict | None:
        """The room's public snapshot, shared by every join of this process until the lot's next version; built
        from the database for an organizer (who also sees the reserve) and when there is none yet."""
        group = auction_group(auction_id)
        if not is_organizer(self.user) and group in self.hub.rooms:
            cached = self.hub.cached_snapshot(group)
            if cached is not None:
                return {**cached, "server_time": server_time_ms()}
        snapshot = await _snapshot(auction_id, self.user)
        if snapshot is not None and not is_organizer(self.user) and snapshot["status"] != "draft":
            self.hub.keep_snapshot(group, snapshot)
        return snapshot

    async def on_leave(self, message: dict) -> None:
        auction_id = _auction_id(message)
        if auction_id in self.rooms:
            self.rooms.discard(auction_id)
            metrics.WS_ROOM_LEAVES.inc()
            await self.hub.discard(auction_group(auction_id), self)
        await self.send_json({"type": "auction:left", "auction_id": auction_id})

    async def on_bid(self, message: dict) -> None:
        received = time.perf_counter()
        auction_id = _auction_id(message)
        key = message.get("idempotency_key")
        if not isinstance(key, str) or not key:
            raise FrameError("missing_field", _("'idempotency_key' is required."), field="idempotency_key")
        if "amount" not in message:
            raise FrameError("missing_field", _("'amount' is required."), field="amount", idempotency_key=key)
        if auction_id not in self.rooms:
            raise FrameError("not_joined", _("Join the auction first."), auction_id=auction_id, idempotency_key=key)
        verdict, body = await bid_processes.place_bid(
            auction_id=auction_id,
            user=self.user,
            amount=message["amount"],
            idempotency_key=key,
            client_address=(self.scope.get("client") or [None])[0],
        )
        if verdict == "rejected":
            answer = {"type": "auction:bid:rejected", "auction_id": auction_id, "idempotency_key": key, **body}
        else:
            answer = {"type": "auction:bid:accepted", "auction_id": auction_id, "idempotency_key": key, "bid": body}
        await self.send_json(answer)
        metrics.observe_socket_bid("answered", time.perf_counter() - received)

    async def on_max_bid(self, message: dict) -> None:
        """Set or raise one's maximum (rule 10); the answer goes to this socket only, never to the room."""
        auction_id = _auction_id(message)
        key = message.get("idempotency_key")
        if not isinstance(key, str) or not key:
            raise FrameError("missing_field", _("'idempotency_key' is required."), field="idempotency_key")
        if "max_amount" not in message:
            raise FrameError("missing_field", _("'max_amount' is required."), field="max_amount", idempotency_key=key)
        if auction_id not in self.rooms:
            raise FrameError("not_joined", _("Join the auction first."), auction_id=auction_id, idempotency_key=key)
        verdict, body = await bid_processes.set_max_bid(
            auction_id=auction_id,
            user=self.user,
            max_amount=message["max_amount"],
            idempotency_key=key,
            client_address=(self.scope.get("client") or [None])[0],
        )
        if verdict == "rejected":
            await self.send_json(
                {"type": "auction:max_bid:rejected", "auction_id": auction_id, "idempotency_key": key, **body}
            )
            return
        await self.send_json(
            {"type": "auction:max_bid:accepted", "auction_id": auction_id, "idempotency_key": key, "max_bid": body}
        )

    handlers: dict = {
        "auction:join": on_join,
        "auction:leave": on_leave,
        "auction:state": on_state,
        "auction:sync": on_state,  # the contract's name for "send me a fresh auction:state" (DESIGN.md, seq)
        "auction:bid": on_bid,
        "auction:max_bid": on_max_bid,
    }

    # --- events from the channel layer ---------------------------------------------------------------------

    def write_event_frame(self, message: dict, frame: bytes) -> bool:
        """The room hub's fast path: the event's frame, made once for every local socket, written as it is.
        False when this socket cannot take it so (another server, or it is joining that room): the hub then
        hands the message to `auction_event`."""
        if self.write_frame is None or (self.held and message.get("auction_id") in self.held):
            return False
        return self.write_frame(frame)

    async def auction_event(self, message: dict) -> None:
        held = self.held.get(message.get("auction_id")) if self.held else None
        if held is not None:
            held.append(message)  # this socket is joining that room: after its snapshot
            return
        # Encoded once by the publisher, stamped with server_time; straight to the server, the hot path of every
        # tick and update (send() below, minus Channels' two layers of wrapping).
        try:
            await self.base_send({"type": "websocket.send", "text": message["text"]})
        except (Disconnected, ClientDisconnected):
            logger.debug("ws send after the peer closed (user %s)", getattr(self.user, "pk", None))

    async def session_revoke(self, message: dict) -> None:
        """The user's standing fell: end this session, so nothing keeps acting on the one they signed in with."""
        forget_user(self.user.pk)  # and this process's handshakes read them afresh
        await self.send_error("session_revoked", _("Your account has changed. Reconnect to continue."))
        await self.close(code=CLOSE_SESSION_REVOKED)

    # --- sending -----------------------------------------------------------------------------------------

    async def send(self, text_data=None, bytes_data=None, close=False):
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except (Disconnected, ClientDisconnected):
            # The phone went away between an event and its delivery (the server has not seen the close yet): there
            # is no one to send to, and the disconnect handler cleans up. Not an error of the application.
            logger.debug("ws send after the peer closed (user %s)", getattr(self.user, "pk", None))

    async def send_json(self, content: dict) -> None:
        content.setdefault("server_time", server_time_ms())
        await self.send(text_data=json.dumps(content, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, code: str, detail: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "detail": str(detail), **extra})


def _auction_id(message: dict) -> int:
    value = message.get("auction_id")
    if value is None:
        raise FrameError("missing_field", _("'auction_id' is required."), field="auction_id")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FrameError("invalid_field", _("'auction_id' must be a positive integer."), field="auction_id")
    return value


# Off the single sync thread that database_sync_to_async uses by default: each socket's reads run in the
# thread pool (ASGI_THREADS), so one slow call does not queue every other socket of the process behind it.
def _in_pool(function):
    return DatabaseSyncToAsync(function, thread_sensitive=False)


@_in_pool
def _snapshot(auction_id: int, user) -> dict | None:
    auction = auction_get(auction_id=auction_id, viewer=user)  # a draft is not found, but by organizers
    return None if auction is None else auction_snapshot(auction=auction, viewer=user)


async def resync_rooms(hub) -> None:
    """After the channel layer was lost and came back, whatever was published meanwhile never arrived: every
    local watcher gets a fresh `auction:state` of each room it is in (one database read per room)."""
    for group in list(hub.rooms):
        auction_id = auction_of_group(group)
        if auction_id is None:
            continue  # a user's own channel: nothing to resync
        public = await _snapshot(auction_id, None)
        if public is None:
            continue
        hub.keep_snapshot(group, public)
        for member in hub.members(group):
            if auction_id not in member.rooms:
                continue  # still joining: its own snapshot is on the way
            try:
                await member._send_state(auction_id)
            except Exception:
                logger.exception("resync of auction %s failed for one socket", auction_id)
