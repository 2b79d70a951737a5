"""Room membership per process, not per socket (issue 14).

Each ASGI process keeps, for every lot that has local watchers, ONE channel of its own in that lot's channel-layer
group and a set of the local sockets in it; and one more in the group of all users' own messages
(`auctions.events.USERS_GROUP`), handed to the local sockets of the user each is for. A room event therefore
reaches the process once, already encoded by the publisher, and is written to each local socket from here: no
per-socket channel, Redis subscription, receive loop or dispatch. The group membership is added with the room's
first local socket and dropped with its last.

The hub also keeps the last public snapshot of each room it serves, filed under the lot's `seq`: every join of a
room shares it until an event with a higher `seq` passes through (the subscription is live from before the
snapshot was read, so no change can slip between them). And it watches its own subscription: after the channel
layer was lost and came back (a Redis restart), every local watcher gets a fresh `auction:state`.
"""

import asyncio
import contextlib
import logging
import time
import uuid

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.layers import get_channel_layer

from auctions.availability import availability_beat
from auctions.events import USERS_GROUP
from config import metrics
from config.server import text_frame

from . import presence

logger = logging.getLogger(__name__)

# How often the hub checks that its subscriptions still deliver (a message to itself), and how long it waits.
PROBE_INTERVAL_SECONDS = 2.0
PROBE_TIMEOUT_SECONDS = 2.0
# How often the hub samples its event loop's lag (umaseri_event_loop_lag_seconds).
LAG_SAMPLE_SECONDS = 0.25
# A room's delivery gives the event loop a turn after this many sockets (about 10 ms of writes). Order holds: a
# room's next event waits for this one's delivery to finish.
YIELD_EVERY = 256


class _Room:
    __slots__ = ("channel", "members", "pump", "ready", "snapshot", "snapshot_seq")

    def __init__(self):
        self.members: set = set()
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.channel: str | None = None
        self.pump: asyncio.Task | None = None
        self.snapshot: dict | None = None
        self.snapshot_seq = -1


class RoomHub:
    """One per process (and event loop). Members are consumers: the hub calls their handler for each message
    (`auction_event`, `session_revoke`), one member at a time, in the order the messages arrive."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.rooms: dict[str, _Room] = {}
        self.user_members: dict[str, set] = {}  # a user's group → this process's sockets of that user
        self.probe_task: asyncio.Task | None = None
        self.lag_task: asyncio.Task | None = None
        self.on_recovered = None  # async callable(hub): set by the consumer module (resync the watchers)
        # False while the probe finds the channel layer down: no event can then mark a snapshot out of date, so none
        # is shared (a join or an `auction:sync` reads the database).
        self.live = True

    # --- membership ----------------------------------------------------------------------------------------

    async def add(self, group: str, member) -> None:
        """Put `member` in `group`; returns once this process's subscription to the group is live, or, with the
        channel layer down, at once: the socket still works (bids, states), its live updates resume when the
        layer is back (the probe subscribes the room then, and resyncs its watchers)."""
        if _is_user_group(group):
            self.user_members.setdefault(group, set()).add(member)
            group = USERS_GROUP
        room = self.rooms.get(group)
        if room is None:
            room = self.rooms[group] = _Room()
            self._ensure_probe()
            try:
                await self._subscribe(group, room)
            except Exception as exc:
                logger.warning("room %s: channel layer unreachable (%s), live updates wait", group, type(exc).__name__)
            finally:
                room.ready.set_result(True)
        else:
            await asyncio.shield(room.ready)  # a join arriving while the first one subscribes waits for it
        room.members.add(member)

    async def _subscribe(self, group: str, room: _Room) -> None:
        room.channel = await self.layer.new_channel("room.")
        await self.layer.group_add(group, room.channel)
        room.pump = asyncio.create_task(self._pump(group, room), name=f"room-pump {group}")

    async def discard(self, group: str, member) -> None:
        if _is_user_group(group):
            local = self.user_members.get(group)
            if local is None or member not in local:
                return
            local.discard(member)
            if not local:
                del self.user_members[group]
            group = USERS_GROUP
        room = self.rooms.get(group)
        if room is None or member not in room.members:
            return
        room.members.discard(member)
        if room.members:
            return
        del self.rooms[group]
        if room.pump is not None:
            room.pump.cancel()  # the layer unsubscribes the room's channel when its receive is cancelled
        if room.channel is not None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(group, room.channel)

    def members(self, group: str) -> set:
        if _is_user_group(group):
            return set(self.user_members.get(group, ()))
        room = self.rooms.get(group)
        return set(room.members) if room else set()

    # --- shared snapshots ----------------------------------------------------------------------------------

    def cached_snapshot(self, group: str) -> dict | None:
        if not self.live:
            return None
        room = self.rooms.get(group)
        return room.snapshot if room is not None else None

    def keep_snapshot(self, group: str, snapshot: dict) -> None:
        """File a public snapshot read while the room's subscription was live, unless a newer event came."""
        if not self.live:
            return
        room = self.rooms.get(group)
        seq = snapshot.get("seq", -1)
        if room is not None and seq >= room.snapshot_seq:
            room.snapshot, room.snapshot_seq = snapshot, seq

    # --- delivery ------------------------------------------------------------------------------------------

    async def _pump(self, group: str, room: _Room) -> None:
        while True:
            try:
                message = await self.layer.receive(room.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("room %s: receive failed", group)
                await asyncio.sleep(1)
                continue
            metrics.observe_arrival(message)
            if group == USERS_GROUP:
                targets = self.user_members.get(message.get("user_group"))
            else:
                targets = room.members
                seq = message.get("seq")
                if seq is not None and seq > room.snapshot_seq:
                    room.snapshot, room.snapshot_seq = None, seq  # the shared snapshot is out of date
            if targets:
                await self._deliver(group, list(targets), message)

    @staticmethod
    async def _deliver(group: str, members: list, message: dict) -> None:
        handler_name = get_handler_name(message)
        # A room event is the same frame for every socket: made once here, written as it is where the server
        # allows (config.server.frame_writer), handed to the consumer where not.
        frame = text_frame(message["text"]) if handler_name == "auction_event" and "text" in message else None
        for index, member in enumerate(members):
            if index and not index % YIELD_EVERY:
                await asyncio.sleep(0)  # a big room lets the process's other work (a bid's answer) in meanwhile
            writer = getattr(member, "write_event_frame", None) if frame is not None else None
            if writer is not None:
                try:
                    if writer(message, frame):
                        continue
                except Exception:
                    logger.exception("room %s: direct write of %s failed", group, message.get("type"))
                    continue
            handler = getattr(member, handler_name, None)
            if handler is None:
                continue
            try:
                await handler(message)
            except Exception:
                logger.exception("room %s: delivery of %s failed", group, message.get("type"))
        # Once per message and process, when its last local socket has it: the delay every watcher here saw.
        metrics.observe_delivery(message)

    # --- watching the subscription ------------------------------------------------------------------------

    def _ensure_probe(self) -> None:
        if self.probe_task is None or self.probe_task.done():
            self.probe_task = asyncio.create_task(self._probe(), name="room-hub-probe")
        if self.lag_task is None or self.lag_task.done():
            self.lag_task = asyncio.create_task(self._sample_loop_lag(), name="room-hub-loop-lag")
        presence.ensure_reporting(self)  # watchers online, summed over the processes for the console

    @staticmethod
    async def _sample_loop_lag() -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + LAG_SAMPLE_SECONDS
            await asyncio.sleep(LAG_SAMPLE_SECONDS)
            metrics.EVENT_LOOP_LAG_SECONDS.observe(max(0.0, loop.time() - due))

    async def _probe(self) -> None:
        """A message to a group of our own every few seconds. When it stops arriving, the channel layer is down;
        when it arrives again, the rooms' subscriptions are back (the Redis client resubscribes), but whatever
        was published meanwhile is lost: the watchers are resynced."""
        group = f"hub.probe.{uuid.uuid4().hex}"
        channel = None
        lost = False
        while True:
            reached = False
            try:
                if channel is None:
                    channel = await self.layer.new_channel("probe.")
                    await self.layer.group_add(group, channel)
                stamp = time.time()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that lands as the
                # message arrives, and this task would then outlive its event loop's shutdown.
                async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                    await self.layer.group_send(group, {"type": "hub.probe", "stamp": stamp})
                    while (await self.layer.receive(channel)).get("stamp") != stamp:
                        pass
                reached = self.live = True
                await _web_beat()  # rule 12: this server can take bids and reach its watchers
                unsubscribed = [(group, room) for group, room in self.rooms.items() if room.pump is None]
                for room_group, room in unsubscribed:
                    await self._subscribe(room_group, room)  # rooms joined while the layer was down
                if lost or unsubscribed:
                    lost = False
                    logger.warning("channel layer is back: resyncing %d room(s)", len(self.rooms))
                    if self.on_recovered is not None:
                        await self.on_recovered(self)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not lost:
                    logger.warning(
                        "channel layer or database unreachable (%s): live updates paused", type(exc).__name__
                    )
                lost, self.live = True, reached  # the database alone down: the shared snapshots are still current
                channel = None  # a timed-out receive unsubscribes its channel: start again with a new one
            await asyncio.sleep(PROBE_INTERVAL_SECONDS)


def _is_user_group(group: str) -> bool:
    return group.startswith("user.")


def _web_beat_sync() -> None:
    availability_beat(source="web")


_web_beat = DatabaseSyncToAsync(_web_beat_sync, thread_sensitive=False)


_hubs: dict[int, RoomHub] = {}


def room_hub() -> RoomHub:
    """This event loop's hub (daphne runs one loop per process; tests may run several)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or getattr(hub, "_loop", None) is not loop:
        hub = RoomHub()
        hub._loop = loop
        _hubs[id(loop)] = hub
    return hub
