"""How times and people appear on the wire (REST, socket frames, room events): one definition of each."""

import time
from datetime import datetime

from django.utils import timezone


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in the platform's time zone (Asia/Tokyo), with its offset: the same text DRF writes."""
    return timezone.localtime(value).isoformat() if value else None


def ms(value: datetime | None) -> int | None:
    """Milliseconds since the epoch, for clients that count down."""
    return int(value.timestamp() * 1000) if value else None


def server_time_ms() -> int:
    """The server's clock, stamped on every message so a client can measure its own offset."""
    return int(time.time() * 1000)


def paddle_of(user) -> int | None:
    """A bidder as other bidders see them: by paddle number, never by name (rule 8)."""
    return user.paddle_number if user is not None else None
