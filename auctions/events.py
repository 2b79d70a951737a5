"""Publishing auction events to the watchers of an auction room.

Events are plain JSON-able dicts with a `type` (the wire contract's name) and `server_time`. They leave only after
the surrounding transaction commits, so no client ever sees a change that was rolled back.
"""

import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def auction_group(auction_id: int) -> str:
    return f"auction.{auction_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def server_time_ms() -> int:
    return int(time.time() * 1000)


def send_to_group_now(group: str, event: dict) -> None:
    event.setdefault("server_time", server_time_ms())
    async_to_sync(get_channel_layer().group_send)(group, {"type": "auction.event", "event": event})


def publish_auction_event(auction_id: int, event: dict) -> None:
    """Send `event` to everyone watching the auction, once the current transaction has committed."""
    transaction.on_commit(lambda: send_to_group_now(auction_group(auction_id), event))


def publish_user_event(user_id: int, event: dict) -> None:
    """Send `event` to every socket of one user (their answers and notifications), after commit."""
    transaction.on_commit(lambda: send_to_group_now(user_group(user_id), event))
