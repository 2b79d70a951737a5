"""What does one held socket cost the socket pool, and who holds it? The platform's ASGI application behind
uvicorn's websockets protocol (as `python -m config.serve --server uvicorn` serves it), in one process:

    .venv/bin/python bench/socket_memory.py [--sockets 2000] [--deliveries 20] [--database-url postgres://postgres@127.0.0.1:5432/umaseri_bench_memory]

Each socket is a real protocol object fed a browser's handshake and an `auction:join` frame through a transport that
only keeps count of what it is sent, so the figure is what the server's Python side keeps per socket (no kernel
buffers, no event loop's C side: the full bench's RSS figure is higher by those). Half the sockets are anonymous
viewers, half signed in (a JWT in the query string), every one joined to one of ten live lots. Prints the growth
per socket by tracemalloc, the allocation sites that hold most of it, and the process's RSS growth for contrast.
Then the CPU of delivering room events to every held socket, each way the room hub can: the event framed once and
the same bytes written to every socket (config.server.frame_writer), and handed to each consumer's send.
Runs on a throwaway database that it creates, migrates and drops again.
"""

import argparse
import asyncio
import cProfile
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import throwaway_database  # noqa: E402

LOTS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--top", type=int, default=15, help="allocation sites to list")
    parser.add_argument("--deliveries", type=int, default=20, help="room events delivered to every socket, each way")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/umaseri_bench_memory")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--profile", default=None, help="write a cProfile of opening the held sockets to this file")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    with throwaway_database(args.database_url):
        asyncio.run(run(args.sockets, args.top, args.deliveries, args.profile))


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _seed() -> tuple[list[int], list[str]]:
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Role, User
    from auctions.models import Auction, AuctionStatus, Sale
    from horses.models import Horse

    call_command("migrate", verbosity=0)
    now = timezone.now()
    sale = Sale.objects.create(name_ja="メモリ計測", starts_on=date.today(), ends_on=date.today())
    lots = [
        Auction.objects.create(
            sale=sale,
            lot_number=n + 1,
            horse=Horse.objects.create(
                name=f"計測{n}", sex="colt", colour="bay", foaling_year=2024, sire="S", dam="D", dams_sire="DS"
            ),
            status=AuctionStatus.ACTIVE,
            start_price=1_000_000,
            started_at=now,
            ends_at=now + timedelta(hours=2),
        ).pk
        for n in range(LOTS)
    ]
    tokens = []
    for n in range(50):  # fifty bidders, each with several sockets (tabs, phones), as at a sale
        user = User.objects.create(username=f"mem{n}", role=Role.BIDDER, is_approved_to_bid=True, paddle_number=n + 1)
        tokens.append(str(AccessToken.for_user(user)))
    return lots, tokens


class _Transport:
    """Enough of an asyncio transport for uvicorn's protocol: it keeps the byte count of what it is sent."""

    def __init__(self, index: int):
        self.peer = ("127.0.0.1", 20_000 + index)
        self.sent = 0
        self.closed = False

    def get_extra_info(self, name, default=None):
        return {"peername": self.peer, "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data) -> None:
        self.sent += len(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0  # a peer that reads everything at once

    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...


def _handshake(index: int, token: str | None) -> bytes:
    query = f"?token={token}" if token else ""
    lines = [
        f"GET /ws/auctions/{query} HTTP/1.1",
        "Host: 127.0.0.1:8000",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {'dGhlIHNhbXBsZSBub25jZQ=='}",
        "Sec-WebSocket-Version: 13",
        "Origin: http://127.0.0.1:8000",
        "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        " Version/18.0 Mobile/15E148 Safari/604.1",
        "Accept-Language: ja-JP,ja;q=0.9,en;q=0.8",
        "Accept-Encoding: gzip, deflate",
        "Cache-Control: no-cache",
        "Pragma: no-cache",
        f"X-Forwarded-For: 10.0.{index // 250}.{index % 250}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _frame(message: dict) -> bytes:
    from websockets.frames import Frame, Opcode

    return Frame(Opcode.TEXT, json.dumps(message).encode()).serialize(mask=True)


async def _settle(protocols, predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(predicate(p) for p in protocols):
        if time.monotonic() > deadline:
            raise SystemExit(f"only {sum(map(predicate, protocols))} of {len(protocols)} sockets got there")
        await asyncio.sleep(0.05)


async def time_delivery(deliveries: int) -> None:
    """CPU seconds per socket of one room event, framed once for the room against through each consumer."""
    from auctions.events import room_message
    from bidding.rooms import RoomHub, room_hub

    rooms = [(group, list(room.members)) for group, room in room_hub().rooms.items() if group.startswith("auction.")]
    members = [member for _, room_members in rooms for member in room_members]

    async def deliver_all() -> float:
        started = time.process_time()
        for seq in range(deliveries):
            for group, room_members in rooms:
                event = {"type": "auction:timer", "auction_id": 0, "seq": None, "remaining_ms": seq, "server_time": 1}
                await RoomHub._deliver(group, room_members, room_message(event))
        return (time.process_time() - started) / (deliveries * len(members)) * 1e6

    framed = await deliver_all()
    writers = {member: member.write_frame for member in members}
    for member in members:
        member.write_frame = None  # as under daphne: every socket frames its own
    each = await deliver_all()
    for member, writer in writers.items():
        member.write_frame = writer
    print(f"  delivery, {len(members)} sockets x {deliveries} room events ({len(members) * deliveries} each way):")
    print(f"    framed once, written to each: {framed:.1f} us a socket")
    print(f"    through each consumer's send: {each:.1f} us a socket ({each / framed:.1f}x)")


async def run(count: int, top: int, deliveries: int, profile: str | None = None) -> None:
    import django
    from asgiref.sync import sync_to_async

    django.setup()
    lots, tokens = await sync_to_async(_seed, thread_sensitive=False)()

    from uvicorn.config import Config
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from uvicorn.server import ServerState

    from config.asgi import application

    config = Config(
        application, ws="websockets-sansio", ws_per_message_deflate=False, lifespan="off", log_level="warning"
    )
    config.load()
    state = ServerState()

    def opened(protocol) -> bool:
        return protocol.handshake_complete and protocol.transport.sent > 0

    cpu = {"handshake": 0.0, "join": 0.0}

    async def open_sockets(first: int, how_many: int) -> list:
        started = time.process_time()  # the process's, so the threads' user lookups and snapshots are in it
        protocols = []
        for index in range(first, first + how_many):
            protocol = WebSocketsSansIOProtocol(config, state, {})
            protocol.connection_made(_Transport(index))
            protocol.data_received(_handshake(index, tokens[index % len(tokens)] if index % 2 else None))
            protocols.append(protocol)
            if index % 200 == 0:
                await asyncio.sleep(0)
        await _settle(protocols, opened)
        joining = time.process_time()
        cpu["handshake"] = (joining - started) / how_many
        sent = {id(p): p.transport.sent for p in protocols}
        for index, protocol in enumerate(protocols, first):
            protocol.data_received(_frame({"type": "auction:join", "auction_id": lots[index % len(lots)]}))
        await _settle(protocols, lambda p: p.transport.sent > sent[id(p)])  # the snapshot came back
        cpu["join"] = (time.process_time() - joining) / how_many
        return protocols

    # A warm-up of a few sockets, so what is loaded or cached once (the snapshots, the users) is not counted.
    warm = await open_sockets(0, 100)
    await asyncio.sleep(0.5)
    gc.collect()
    before_rss = _rss_kib()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    held = await open_sockets(100, count)  # the RSS figure, without tracemalloc's own bookkeeping
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    opening_cpu = dict(cpu)
    await asyncio.sleep(0.5)
    gc.collect()
    rss_per_socket = (_rss_kib() - before_rss) / count
    tracemalloc.start(6)
    before = tracemalloc.take_snapshot()
    traced = await open_sockets(100 + count, count)  # the same again, traced: who allocates what
    await asyncio.sleep(0.5)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()

    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"{count} sockets held (half signed in), each joined to one of {LOTS} live lots, uvicorn websockets-sansio")
    print(f"  process RSS: {rss_per_socket:.1f} KiB per socket")
    print(
        f"  CPU a socket (the process's, the 10-50 polls of the wait included): handshake to `session` "
        f"{opening_cpu['handshake'] * 1e6:.0f} us, `auction:join` to `auction:state` {opening_cpu['join'] * 1e6:.0f} us"
        + (" (under cProfile)" if profile else "")
    )
    print(f"  Python allocations (tracemalloc, {count} more): {grown / count / 1024:.1f} KiB per socket")
    print(f"  allocated where, per socket (the {top} biggest lines; the caller that made the object beside it):")
    for stat in sorted(after.compare_to(before, "traceback"), key=lambda s: s.size_diff, reverse=True)[:top]:
        frames = list(reversed(stat.traceback))  # the most recent first
        site = frames[0]
        caller = next((f for f in frames[1:] if "asyncio/" not in f.filename), None)
        where = f"{_short(site.filename)}:{site.lineno}"
        if caller is not None:
            where += f"  ({_short(caller.filename)}:{caller.lineno})"
        print(f"    {stat.size_diff / count:8.0f} B  {where}")
    if deliveries:
        await time_delivery(deliveries)
    for protocol in warm + held + traced:  # the peers go: every consumer ends as after a dropped connection
        protocol.connection_lost(None)
    await asyncio.sleep(1)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.relpath(filename, ROOT)


if __name__ == "__main__":
    main()
