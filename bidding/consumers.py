"""The auction-room socket at /ws/auctions/.

Parses frames, checks who is asking, calls the same services as the REST views, and replies. One socket may
watch many auctions at once (a list page). No auction rule lives here.
"""

import asyncio
import json
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.ws_auth import CLOSE_ABUSE, CLOSE_TOKEN_EXPIRED, CLOSE_TOKEN_INVALID

logger = logging.getLogger(__name__)

# Frames that cannot be parsed are answered; a client that keeps sending them is cut off.
MAX_BAD_FRAMES = 20


def server_time_ms() -> int:
    return int(time.time() * 1000)


class FrameError(Exception):
    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code, self.detail, self.extra = code, detail, extra


class AuctionConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = self.scope["user"]
        self.bad_frames = 0
        self.expiry_task = None
        auth_error = self.scope.get("auth_error")
        # Accept first, then close with a code: a refused handshake shows the browser no reason at all.
        await self.accept()
        if auth_error:
            await self.send_error(auth_error, _("The access token is not valid. Sign in again."))
            await self.close(
                code=CLOSE_TOKEN_EXPIRED if auth_error == "token_expired" else CLOSE_TOKEN_INVALID
            )
            return
        expires_at = self.scope.get("token_expires_at")
        if expires_at:
            self.expiry_task = asyncio.create_task(self._close_when_token_expires(expires_at))
        await self.send_json({"type": "session", "user": self._identity()})

    async def disconnect(self, code):
        if self.expiry_task:
            self.expiry_task.cancel()

    async def _close_when_token_expires(self, expires_at: int) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.send_error("token_expired", _("The access token has expired. Reconnect with a fresh one."))
        await self.close(code=CLOSE_TOKEN_EXPIRED)

    def _identity(self) -> dict:
        user = self.user
        if not user.is_authenticated:
            return {"role": "anonymous", "paddle_number": None}
        return {"id": user.pk, "role": user.role, "paddle_number": user.paddle_number}

    # --- frames ------------------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
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

    def _parse(self, text_data, bytes_data) -> dict:
        raw = text_data if text_data is not None else bytes_data
        size = len(raw.encode() if isinstance(raw, str) else raw or b"")
        if size > settings.WS_MAX_MESSAGE_BYTES:
            raise FrameError("message_too_large", _("The message is too large."))
        if bytes_data is not None and text_data is None:
            raise FrameError("invalid_json", _("Send JSON text frames."))
        try:
            message = json.loads(raw)
        except ValueError as exc:
            raise FrameError("invalid_json", _("The message is not valid JSON.")) from exc
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise FrameError("invalid_message", _("A message must be a JSON object with a string 'type'."))
        return message

    handlers: dict = {}

    # --- sending -----------------------------------------------------------------------------------------

    async def send_json(self, content: dict) -> None:
        content.setdefault("server_time", server_time_ms())
        await self.send(text_data=json.dumps(content, ensure_ascii=False, separators=(",", ":")))

    async def send_error(self, code: str, detail: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "detail": str(detail), **extra})
