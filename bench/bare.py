"""The bare baseline: one asyncio process with the `websockets` library, speaking just enough of the platform's
socket protocol for the same load generator to drive it (session, join → state, bid → answer + room update, one
timer tick per room per second). No Django, no channel layer, no database: what this machine can do at all, to
put beside the platform in the same run (`python -m bench run --baseline`), as PERFORMANCE.md's bare servers.

    python -m bench.bare -p PORT --users USERS.json --truth TRUTH.json

USERS.json maps each access token to its user's paddle; it is read at the first handshake (the bench writes it
after seeding, while this process is already up). Every accepted bid is kept in memory and written to TRUTH.json
on each SIGUSR1 and at exit, in the shape of bench.run.ground_truth, so the same delivered / expected figures
come out. Each message is encoded once and written to every socket of its room (websockets.broadcast), as a
bare broadcast server does.
"""

import argparse
import asyncio
import gc
import itertools
import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import broadcast, serve

INCREMENT = 100_000
ROOM_SECONDS = 4 * 3600


def now_ms() -> int:
    return int(time.time() * 1000)


def encode(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class Room:
    __slots__ = ("auction_id", "bids", "ends_at_ms", "high_paddle", "price", "seq", "sockets")

    def __init__(self, auction_id: int, start_price: int):
        self.auction_id, self.price, self.high_paddle = auction_id, start_price, None
        self.ends_at_ms = now_ms() + ROOM_SECONDS * 1000
        self.seq, self.bids, self.sockets = 0, 0, set()

    def min_next(self) -> int:
        return self.price + INCREMENT if self.bids else self.price

    def state(self) -> dict:
        return {
            "type": "auction:state",
            "auction_id": self.auction_id,
            "seq": self.seq,
            "status": "active",
            "current_price": self.price,
            "high_bidder_paddle": self.high_paddle,
            "min_next_bid": self.min_next(),
            "ends_at_ms": self.ends_at_ms,
            "server_time": now_ms(),
        }


class BareServer:
    def __init__(self, users_path: Path, truth_path: Path, start_price: int, spread: float = 0.0):
        self.users_path, self.truth_path, self.start_price = users_path, truth_path, start_price
        self.spread = spread
        self.paddles: dict[str, int] | None = None
        self.rooms: dict[int, Room] = {}
        self.accepted: dict[int, int] = {}  # bid id -> auction id
        self.bid_ids = itertools.count(1)
        self.keys: set[str] = set()

    def paddle_of(self, token: str) -> int | None:
        if self.paddles is None:
            self.paddles = json.loads(self.users_path.read_text())
        return self.paddles.get(token)

    def room(self, auction_id: int) -> Room:
        room = self.rooms.get(auction_id)
        if room is None:
            room = self.rooms[auction_id] = Room(auction_id, self.start_price)
        return room

    async def handler(self, ws) -> None:
        token = (parse_qs(urlparse(ws.request.path).query).get("token") or [""])[0]
        paddle = self.paddle_of(token)
        await ws.send(encode({"type": "session", "user": {"paddle": paddle}}))
        joined: Room | None = None
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "auction:join":
                    if joined is not None:
                        joined.sockets.discard(ws)
                    joined = self.room(int(message["auction_id"]))
                    joined.sockets.add(ws)
                    await ws.send(encode(joined.state()))
                elif kind == "auction:bid" and joined is not None:
                    await ws.send(self.bid(joined, paddle, message))
        finally:
            if joined is not None:
                joined.sockets.discard(ws)

    def bid(self, room: Room, paddle: int | None, message: dict) -> str:
        key, amount = message.get("idempotency_key"), int(message.get("amount") or 0)
        answer = {"auction_id": room.auction_id, "idempotency_key": key}
        if paddle is None or key in self.keys or amount < room.min_next():
            refusal = {"type": "auction:bid:rejected", "code": "bid_too_low", "min_next_bid": room.min_next()}
            return encode({**answer, **refusal})
        self.keys.add(key)
        placed = now_ms()
        bid_id = next(self.bid_ids)
        room.price, room.high_paddle, room.bids, room.seq = amount, paddle, room.bids + 1, room.seq + 1
        self.accepted[bid_id] = room.auction_id
        update = {
            "type": "auction:update",
            "auction_id": room.auction_id,
            "seq": room.seq,
            "bid": {"id": bid_id, "amount": amount, "paddle": paddle, "placed_at_ms": placed},
            "current_price": amount,
            "high_bidder_paddle": paddle,
            "min_next_bid": room.min_next(),
            "ends_at_ms": room.ends_at_ms,
            "server_time": now_ms(),
        }
        broadcast(room.sockets, encode(update))
        return encode({**answer, "type": "auction:bid:accepted", "bid_id": bid_id, "amount": amount})

    async def tick(self) -> None:
        """One `auction:timer` a second to every socket of every room, each encoded once, like the platform's beat
        task (its text begins as the platform's does: the load generator recognises ticks by their prefix), and
        spread as the platform spreads them (`spread` seconds, at most a hundred slices, each stamped as it
        leaves): the same traffic on both, so neither's bids queue behind a burst the other does not send."""
        while True:
            await asyncio.sleep(1 - (time.time() % 1))
            rooms = list(self.rooms.values())
            slices = max(1, min(len(rooms), 100))
            size = -(-len(rooms) // slices)
            started = time.monotonic()
            for index in range(slices):
                if index and self.spread:
                    await asyncio.sleep(max(0.0, started + index * self.spread / slices - time.monotonic()))
                for room in rooms[index * size : (index + 1) * size]:
                    stamp = now_ms()
                    tick = {
                        "type": "auction:timer",
                        "auction_id": room.auction_id,
                        "seq": room.seq,
                        "ends_at_ms": room.ends_at_ms,
                        "remaining_ms": max(0, room.ends_at_ms - stamp),
                        "server_time": stamp,
                    }
                    broadcast(room.sockets, encode(tick))

    def write_truth(self, *_signal) -> None:
        truth = {"bids": self.accepted, "extensions": {}, "ended": [], "bids_by_source": {"ws": len(self.accepted)}}
        partial = self.truth_path.with_suffix(".partial")
        partial.write_text(json.dumps(truth))
        partial.replace(self.truth_path)  # whole or absent: the bench polls for it


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare")
    parser.add_argument("-b", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    parser.add_argument("--users", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--start-price", type=int, default=1_000_000)
    # The platform's TIMER_SPREAD_MS and its default (config/settings/base.py), read from the same environment.
    parser.add_argument("--spread-ms", type=int, default=int(os.environ.get("TIMER_SPREAD_MS") or 500))
    args = parser.parse_args(argv)
    server = BareServer(args.users, args.truth, args.start_price, spread=args.spread_ms / 1000)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, server.write_truth)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    # The same collector tuning as the platform's servers (config/asgi.py), so neither pays pauses the other does not.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    async with serve(server.handler, args.host, args.port, compression=None, ping_interval=None, max_queue=64):
        ticking = asyncio.create_task(server.tick())
        await stop
        ticking.cancel()
    server.write_truth()


if __name__ == "__main__":
    asyncio.run(main())
