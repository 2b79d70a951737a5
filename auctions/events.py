"""Publishing auction events to the watchers of an auction room.

Events are plain JSON-able dicts with a `type` (the wire contract's name) and `server_time`. They leave only after
the surrounding transaction commits, so no client ever sees a change that was rolled back.
"""

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta

from channels.layers import channel_layers
from django.db import connection, transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from .increments import min_next_bid
from .models import RoomEvent
from .wire import iso, ms, paddle_of, server_time_ms

logger = logging.getLogger(__name__)


def auction_group(auction_id: int) -> str:
    return f"auction.{auction_id}"


def auction_of_group(group: str) -> int | None:
    """The auction id of a room's group name, None for any other group."""
    prefix, _dot, rest = group.partition(".")
    return int(rest) if prefix == "auction" and rest.isdigit() else None


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# Every process hears every user's messages on this one group and hands them to its own sockets of that user
# (`user_group` rides in the message): one subscription per process instead of one per signed-in socket. A user's
# messages are few (their notices, a revoked session), so the filtering is cheap.
USERS_GROUP = "users"


def _layer_address(group: str, message: dict) -> tuple[str, dict]:
    if group.startswith("user."):
        return USERS_GROUP, {**message, "user_group": group}
    return group, message


def room_message(event: dict) -> dict:
    """The channel-layer message for one event: its JSON text, encoded once here rather than once per watcher
    (a timer tick reaches every socket of the room, every second). Its type and stamp ride beside the text, so the
    consumer measures the delivery delay without parsing it."""
    return {
        "type": "auction.event",
        "text": json.dumps(event, ensure_ascii=False, separators=(",", ":")),
        "event": event.get("type"),
        "server_time": event.get("server_time"),
        # Let a process's room hub drop its shared snapshot, and a joining socket hold back what its snapshot
        # already shows, without parsing the text.
        "seq": event.get("seq"),
        "auction_id": event.get("auction_id"),
    }


class _Publisher:
    """Sends to the channel layer from synchronous code (views, services, Celery tasks) on one long-lived event
    loop in a daemon thread, with its own layer instance. async_to_sync would start a fresh loop, and with it a
    fresh Redis connection, for every single message: at one timer tick per auction per second that is the cost
    that matters. Created lazily per process, so forked workers each get their own."""

    def __init__(self):
        self.pid = os.getpid()
        self.layer = channel_layers.make_backend("default")
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="channel-publisher", daemon=True).start()

    def send(self, messages: list[tuple[str, dict]], timeout: float = 5) -> None:
        """Send (group, channel-layer message) pairs in order."""

        async def send_all():
            for group, message in messages:
                await self._group_send(group, message)

        asyncio.run_coroutine_threadsafe(send_all(), self.loop).result(timeout)

    async def _group_send(self, group: str, message: dict) -> None:
        address = _layer_address(group, message)
        try:
            await self.layer.group_send(*address)
        except RedisConnectionError:
            # The first send after Redis came back meets the connection it had cut: once more, on a new one.
            await self.layer.group_send(*address)

    def send_paced(self, builders: list[tuple[str, Callable[[], dict]]], over: float) -> None:
        """Send (group, event builder) pairs spread evenly over `over` seconds, in at most a hundred slices, each
        event built and stamped as it leaves. Returns at once: the publisher's loop sends them."""

        async def paced():
            slices = max(1, min(len(builders), 100))
            size = -(-len(builders) // slices)
            start = self.loop.time()
            for index in range(slices):
                await asyncio.sleep(max(0.0, start + index * over / slices - self.loop.time()))
                for group, build in builders[index * size : (index + 1) * size]:
                    event = build()
                    event.setdefault("server_time", server_time_ms())
                    await self._group_send(group, room_message(event))

        def failed(future) -> None:
            if not future.cancelled() and future.exception() is not None:
                logger.warning("paced send failed: %r", future.exception())

        asyncio.run_coroutine_threadsafe(paced(), self.loop).add_done_callback(failed)


_publisher: _Publisher | None = None
_publisher_lock = threading.Lock()


def _get_publisher() -> _Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher.pid != os.getpid():
            _publisher = _Publisher()
        return _publisher


def send_to_groups_now(messages: list[tuple[str, dict]]) -> None:
    """Send (group, event) pairs in order, now, stamping each event with the server time."""
    for _group, event in messages:
        event.setdefault("server_time", server_time_ms())
    _get_publisher().send([(group, room_message(event)) for group, event in messages])


def send_paced(builders: list[tuple[str, Callable[[], dict]]], over: float) -> None:
    """Like send_to_groups_now, spread over `over` seconds and without waiting (the timer ticks)."""
    if over <= 0:
        send_to_groups_now([(group, build()) for group, build in builders])
    else:
        _get_publisher().send_paced(builders, over)


def send_to_group_now(group: str, event: dict) -> None:
    send_to_groups_now([(group, event)])


def send_command_now(group: str, command: str) -> None:
    """Tell every socket in `group` to act (e.g. "session.revoke"): a channel-layer message for the consumers
    themselves, never relayed to a client as it is."""
    _get_publisher().send([(group, {"type": command})])


def publish_auction_event(auction_id: int, *events: dict) -> None:
    """Send the events, in order, to everyone watching the auction, once the current transaction has committed.

    Through the outbox: the events are one RoomEvent row of this transaction (one INSERT, however many events),
    relayed after the commit and then removed. If the relay fails (Redis away), the row stays and the beat's sweep
    (`relay_pending_room_events`) sends it once Redis is back; a bid or a close that did happen is never turned
    into an error, and no watcher is left without the end of a lot."""
    row = RoomEvent.objects.create(auction_id=auction_id, events=list(events))
    row_id, group = row.pk, auction_group(auction_id)
    transaction.on_commit(lambda: _relay(row_id, [(group, event) for event in events]), robust=True)


def _relay(row_id: int, messages: list[tuple[str, dict]]) -> None:
    try:
        send_to_groups_now(messages)
    except Exception as exc:
        logger.warning("room event %s not relayed, the sweep will: %s: %s", row_id, type(exc).__name__, exc)
        return
    # One statement: a QuerySet.delete() wraps even a single-row delete in BEGIN ... COMMIT, two more round trips
    # on every bid's path. The row has no dependants and no signals.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auctions_roomevent WHERE id = %s", [row_id])


# A row the relay after its commit has not removed by then is the sweep's (the relay itself takes milliseconds).
SWEEP_AFTER = timedelta(seconds=2)


def relay_pending_room_events(*, limit: int = 500) -> int:
    """The sweep: send what the relay after the commit could not, oldest first, and remove it in one statement.
    Two sweeps at once may both send a row: a repeated event is stale on arrival and changes nothing."""
    rows = list(
        RoomEvent.objects.filter(created_at__lte=timezone.now() - SWEEP_AFTER)
        .order_by("pk")
        .values_list("pk", "auction_id", "events")[:limit]
    )
    if not rows:
        return 0
    send_to_groups_now([(auction_group(auction_id), event) for _pk, auction_id, events in rows for event in events])
    RoomEvent.objects.filter(pk__in=[pk for pk, _auction_id, _events in rows]).delete()
    logger.info("room events relayed by the sweep: %d row(s)", len(rows))
    return len(rows)


def publish_user_event(user_id: int, event: dict) -> None:
    """Send `event` to every socket of one user (their answers and notifications), after commit."""
    transaction.on_commit(lambda: send_to_group_now(user_group(user_id), event), robust=True)


# --- The lifecycle's events (auctions.services and the timer tick); a bid's own is built in bidding.events. -----


def _lifecycle_fields(auction) -> dict:
    return {
        "auction_id": auction.pk,
        "seq": auction.seq,
        "status": auction.status,
        "starts_at": iso(auction.starts_at),
        "starts_at_ms": ms(auction.starts_at),
        "max_ends_at": iso(auction.max_ends_at),
        "max_ends_at_ms": ms(auction.max_ends_at),
    }


def auction_scheduled_event(*, auction) -> dict:
    """The start time was set or moved."""
    return {"type": "auction:scheduled", **_lifecycle_fields(auction)}


def auction_started_event(*, auction) -> dict:
    return {
        "type": "auction:started",
        **_lifecycle_fields(auction),
        "started_at": iso(auction.started_at),
        "started_at_ms": ms(auction.started_at),
        "ends_at": iso(auction.ends_at),
        "ends_at_ms": ms(auction.ends_at),
        "duration_seconds": auction.duration_seconds,
        "extension_window_seconds": auction.extension_window_seconds,
        "current_price": auction.current_price,
        "min_next_bid": min_next_bid(
            start_price=auction.start_price,
            current_price=auction.current_price,
            table=auction.effective_increment_table,
        ),
        "bid_count": auction.bid_count,
    }


def auction_cancelled_event(*, auction) -> dict:
    """A cancel ends the auction: the same `auction:ended` as the close, with status `cancelled`."""
    return {
        "type": "auction:ended",
        **_lifecycle_fields(auction),
        "hammer_price": None,
        "winner_paddle": None,
        "reserve_met": auction.reserve_met,
        "bid_count": auction.bid_count,
        "closed_at": iso(auction.closed_at),
        "closed_at_ms": ms(auction.closed_at),
        "cancel_reason": auction.cancel_reason,
        "withdrawn": auction.withdrawn,
    }


def auction_extended_event(*, auction, reason: str = "bid") -> dict:
    """`reason`: "bid" (a bid in the last window, rule 4) or "outage" (the platform could not take bids, rule 12)."""
    return {
        "type": "auction:extended",
        "reason": reason,
        "auction_id": auction.pk,
        "seq": auction.seq,
        "ends_at": iso(auction.ends_at),
        "ends_at_ms": ms(auction.ends_at),
        "extension_count": auction.extension_count,
        "max_ends_at": iso(auction.max_ends_at),
        "max_ends_at_ms": ms(auction.max_ends_at),
    }


def auction_ended_event(*, auction) -> dict:
    return {
        "type": "auction:ended",
        "auction_id": auction.pk,
        "seq": auction.seq,
        "status": auction.status,
        "hammer_price": auction.hammer_price,
        "winner_paddle": paddle_of(auction.winner) if auction.winner_id else None,
        "reserve_met": auction.reserve_met,
        "bid_count": auction.bid_count,
        "closed_at": iso(auction.closed_at),
        "closed_at_ms": ms(auction.closed_at),
    }


def auction_paused_event(*, auction) -> dict:
    """The clock stopped with `remaining_ms` left; bids are refused (`auction_paused`) until it resumes."""
    remaining = max(0, int((auction.ends_at - auction.paused_at).total_seconds() * 1000))
    return {
        "type": "auction:paused",
        "auction_id": auction.pk,
        "seq": auction.seq,
        "paused": True,
        "paused_at": iso(auction.paused_at),
        "paused_at_ms": ms(auction.paused_at),
        "remaining_ms": remaining,
        "paused_remaining_ms": remaining,  # the snapshot's name for it, so a client merges the event as it is
    }


def auction_resumed_event(*, auction) -> dict:
    """The clock runs again, to the new `ends_at`."""
    return {
        "type": "auction:resumed",
        "auction_id": auction.pk,
        "seq": auction.seq,
        "paused": False,
        "paused_at": None,
        "paused_at_ms": None,
        "paused_remaining_ms": None,
        "ends_at": iso(auction.ends_at),
        "ends_at_ms": ms(auction.ends_at),
        "max_ends_at": iso(auction.max_ends_at),
        "max_ends_at_ms": ms(auction.max_ends_at),
    }


def auction_message_event(*, auction, text: str, now) -> dict:
    """A message from the auctioneer to everyone in the room."""
    return {
        "type": "auction:message",
        "auction_id": auction.pk,
        "seq": auction.seq,
        "text": text,
        "sent_at": iso(now),
        "sent_at_ms": ms(now),
    }


def auction_timer_event(*, auction_id: int, ends_at, now, seq: int) -> dict:
    """Carries the lot's current version, so a tick read before an extension never undoes it on a client."""
    return {
        "type": "auction:timer",
        "auction_id": auction_id,
        "seq": seq,
        "ends_at": iso(ends_at),
        "ends_at_ms": ms(ends_at),
        "remaining_ms": max(0, int((ends_at - now).total_seconds() * 1000)),
    }
