"""One load-generator process: an asyncio loop holding its share of the sockets, with bidding bots and REST clients.

The orchestrator (bench.run) starts several of these and drives them through a pipe:
  -> {"cmd": "connect"}                       open every socket (burst), join its room, report
  -> {"cmd": "start", "t_start": ..., "t_end": ...}  bid, browse, probe one-at-a-time connects, until t_end
  -> {"cmd": "quiet?"} (repeated)             <- seconds since any socket last heard a bid, extension or close
  -> {"cmd": "stop"}                          report everything measured, close the sockets, exit
Every latency is in milliseconds. Delivery latency compares the server's stamp (bid.placed_at_ms, server_time)
with this machine's time.time() on receipt: server and clients share one clock.
"""

import array
import asyncio
import contextlib
import gc
import json
import os
import random
import re
import socket
import time
import uuid
from collections import Counter, defaultdict
from urllib.parse import urlencode

import picows

IP_BIND_ADDRESS_NO_PORT = 24  # Linux: pick the source port at connect(), so 127.0.0.x addresses do not run out
ORIGIN = "http://localhost"
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"  # what a browser offers
TEXT, CLOSE, NORMAL_CLOSURE = picows.WSMsgType.TEXT, picows.WSMsgType.CLOSE, picows.WSCloseCode.OK
TIMER_PREFIX = '{"type":"auction:timer"'  # the publisher encodes compactly (auctions.events.room_message)
SERVER_TIME = re.compile(r'"server_time":(\d+)')
rng = random.Random()  # noqa: S311 (jitter and choices for the bots; nothing secret)


def now_ms() -> float:
    return time.time() * 1000


class Recorder:
    """Everything one process measured: latency samples, counters, and per-event reach (who got what)."""

    def __init__(self):
        self.samples: dict[str, array.array] = defaultdict(lambda: array.array("d"))
        self.counts: Counter = Counter()
        self.codes: Counter = Counter()
        # event key -> [sockets that got it, slowest delivery ms]; keys: ("update", bid_id),
        # ("extended", auction_id, ends_at_ms), ("ended", auction_id)
        self.reach: dict[tuple, list] = {}

    def add(self, name: str, value: float) -> None:
        self.samples[name].append(value)

    def reached(self, key: tuple, latency: float) -> None:
        entry = self.reach.get(key)
        if entry is None:
            self.reach[key] = [1, latency]
        else:
            entry[0] += 1
            if latency > entry[1]:
                entry[1] = latency

    def export(self) -> dict:
        return {
            "samples": {name: values.tobytes() for name, values in self.samples.items()},
            "counts": dict(self.counts),
            "codes": {f"{channel}:{code}": n for (channel, code), n in self.codes.items()},
            "reach": self.reach,
        }


class Client:
    """One socket: a watcher or a bidder in one auction room."""

    __slots__ = (
        "auction_id",
        "closed",
        "high_paddle",
        "in_flight",
        "last_timer",
        "min_next",
        "paddle",
        "pending",
        "role",
        "scheduled",
        "seen",
        "token",
        "user_id",
        "ws",
    )

    def __init__(self, spec: dict):
        self.role, self.auction_id = spec["role"], spec["auction_id"]
        self.user_id, self.paddle, self.token = spec["user_id"], spec["paddle"], spec["token"]
        self.ws = self.scheduled = None
        self.high_paddle = self.min_next = self.last_timer = None
        self.in_flight = self.closed = False
        self.pending: dict[str, float] = {}
        self.seen: set = set()


class RoomSocket(picows.WSListener):
    """One socket's frames (picows: the frame parsing is compiled code, so the load generator's CPU goes to the
    figures, not to the WebSocket protocol). Until the join's `auction:state` its texts wait in `opening` for
    open_socket; from then on each is handed to the worker as it arrives. The servers send unfragmented text."""

    def __init__(self, worker: "Worker", client: Client, response):
        super().__init__()
        self.worker, self.client, self.response = worker, client, response
        self.opening: asyncio.Queue[str] = asyncio.Queue()
        self.live = False

    def go_live(self) -> None:
        """Hand over what arrived after the join's state, in order, and every later text as it arrives."""
        self.live = True
        while not self.opening.empty():
            self.worker.on_text(self.client, self.opening.get_nowait())

    def on_ws_frame(self, transport, frame) -> None:
        if frame.msg_type == TEXT:
            if not frame.fin:
                self.worker.rec.counts["fragmented_frame"] += 1
                return
            text = frame.get_payload_as_utf8_text()
            if self.live:
                self.worker.on_text(self.client, text)
            else:
                self.opening.put_nowait(text)
        elif frame.msg_type == CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport) -> None:
        if self.live:
            self.worker.on_disconnected(self.client)


class Worker:
    def __init__(self, index: int, plan: dict, conn):
        self.index, self.plan, self.conn = index, plan, conn
        self.rec = Recorder()
        self.clients = [Client(spec) for spec in plan["sockets"]]
        self.bidding = False
        self.stopping = False
        self.last_room_event = time.monotonic()  # a bid, extension or close heard on any socket
        self.t_start = self.t_end = 0.0
        self.gc_started: float | None = None
        self.entry = plan["entry_points"]  # [[host, port], ...]
        self.rest_entry = plan["rest_entry_points"]
        self.session = None
        self.negotiated_extensions: Counter = Counter()
        self.tasks: list[asyncio.Task] = []

    # --- plumbing ----------------------------------------------------------------------------------------

    async def command(self) -> dict:
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    def source_address(self, serial: int) -> str:
        """127.0.0.2 ... 127.0.0.251, spread by the socket's global number."""
        return f"127.0.0.{2 + serial % 250}"

    def ws_url(self, token: str | None, serial: int) -> tuple[str, str, int]:
        host, port = self.entry[serial % len(self.entry)]
        query = "?" + urlencode({"token": token}) if token else ""
        return f"ws://{host}:{port}/ws/auctions/{query}", host, port

    async def open_socket(self, client: Client, serial: int, prefix: str, *, hand_over: bool = True) -> None:
        """TCP connect, handshake, the session message, join and its state: each stage timed under `prefix`. With
        `hand_over`, every later text goes to the worker; a probe's socket is closed at once and counts nothing."""
        loop = asyncio.get_running_loop()
        url, host, port = self.ws_url(client.token, serial)
        started = time.perf_counter()
        connected_at = started

        async def bound_socket(_url) -> socket.socket:
            nonlocal connected_at
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((self.source_address(serial), 0))
                await asyncio.wait_for(loop.sock_connect(sock, (host, port)), 30)
            except BaseException:
                sock.close()
                raise
            connected_at = time.perf_counter()
            return sock

        headers = {"Origin": ORIGIN}
        if self.plan["offer_deflate"]:
            headers["Sec-WebSocket-Extensions"] = DEFLATE_OFFER
        transport, room = await picows.ws_connect(
            lambda _request, response: RoomSocket(self, client, response),
            url,
            socket_factory=bound_socket,
            extra_headers=headers,
            websocket_handshake_timeout=30,
            enable_auto_pong=True,  # a server's keepalive pings are answered, as browsers do
            use_aiofastnet=False,
        )
        handshake = time.perf_counter()
        extensions = room.response.headers.get("Sec-WebSocket-Extensions") or "none"
        self.negotiated_extensions[extensions] += 1
        try:
            if "permessage-deflate" in extensions:
                raise RuntimeError(
                    "the server negotiated permessage-deflate, which this load generator does not decode"
                )
            session = json.loads(await asyncio.wait_for(room.opening.get(), 30))
            if session.get("type") != "session":
                raise RuntimeError(f"first message was {session.get('type')!r}, not 'session'")
            got_session = time.perf_counter()
            transport.send(TEXT, json.dumps({"type": "auction:join", "auction_id": client.auction_id}).encode())
            while True:
                message = json.loads(await asyncio.wait_for(room.opening.get(), 30))
                if message.get("type") == "auction:state":
                    break
                if message.get("type") == "error":
                    raise RuntimeError(f"join refused: {message.get('code')}")
        except BaseException:
            transport.disconnect(graceful=False)
            raise
        joined = time.perf_counter()
        self.rec.add(f"{prefix}_tcp", (connected_at - started) * 1000)
        self.rec.add(f"{prefix}_handshake", (handshake - connected_at) * 1000)
        self.rec.add(f"{prefix}_session", (got_session - handshake) * 1000)
        self.rec.add(f"{prefix}_join", (joined - got_session) * 1000)
        self.rec.add(f"{prefix}_total", (joined - started) * 1000)
        client.ws = transport
        client.high_paddle, client.min_next = message.get("high_bidder_paddle"), message.get("min_next_bid")
        if hand_over:
            room.go_live()

    async def connect_all(self) -> dict:
        limit = asyncio.Semaphore(self.plan["connect_concurrency"])
        errors: Counter = Counter()

        async def one(client: Client, serial: int):
            # Like the SPA, a refused or timed-out connect is retried after a pause; every failure is counted.
            for attempt in range(self.plan["connect_attempts"]):
                if attempt:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * attempt)
                async with limit:
                    try:
                        await self.open_socket(client, serial, "connect_burst")
                    except Exception as exc:
                        errors[type(exc).__name__ + ": " + str(exc)[:80]] += 1
                        continue
                return

        base = self.plan["serial_base"]
        await asyncio.gather(*(one(client, base + i) for i, client in enumerate(self.clients)))
        joined = Counter(client.auction_id for client in self.clients if client.ws is not None)
        return {
            "connected": sum(joined.values()),
            "failed": sum(1 for client in self.clients if client.ws is None),
            "failed_attempts": sum(errors.values()),
            "errors": dict(errors.most_common(5)),
            "joined": dict(joined),
        }

    # --- receiving ---------------------------------------------------------------------------------------

    def on_text(self, client: Client, raw: str) -> None:
        if raw.startswith(TIMER_PREFIX):
            self.on_timer(client, raw, now_ms())
        else:
            self.on_message(client, json.loads(raw), now_ms())

    def on_disconnected(self, client: Client) -> None:
        if not self.stopping:
            self.rec.counts["disconnected_during_run"] += 1
        client.closed = True

    def on_timer(self, client: Client, raw: str, received: float) -> None:
        """Ticks are most of what arrives (one per socket per second): counted and timed from their text, without
        a full JSON parse, so that the load generator's CPU goes where the figures need it. The same text twice
        (same server_time, same remaining_ms) is a duplicate. Every tick is counted per room and stamp; the report
        keeps those stamped within the bidding, each of which every socket of its room must get (delivered /
        expected). Not filtered here: a tick stamped just after the bidding began can reach this process before
        its "start" command does, and would be missed by this process's sockets alone."""
        rec = self.rec
        if raw == client.last_timer:
            rec.counts["duplicate:auction:timer"] += 1
        client.last_timer = raw
        rec.counts["auction:timer"] += 1
        stamp = SERVER_TIME.search(raw)
        if stamp:
            stamped = int(stamp.group(1))
            rec.add("deliver_timer", received - stamped)
            rec.reached(("timer", client.auction_id, stamped), received - stamped)

    def on_message(self, client: Client, message: dict, received: float) -> None:
        kind = message.get("type")
        rec = self.rec
        if kind in ("auction:update", "auction:extended", "auction:ended"):
            self.last_room_event = time.monotonic()
        if kind == "auction:update":
            bid = message["bid"]
            if bid["id"] in client.seen:
                rec.counts["duplicate:auction:update"] += 1
            else:
                client.seen.add(bid["id"])
                latency = received - bid["placed_at_ms"]
                rec.add("deliver_update", latency)
                rec.add("deliver_update_published", received - message["server_time"])
                rec.reached(("update", bid["id"]), latency)
            client.high_paddle, client.min_next = message["high_bidder_paddle"], message["min_next_bid"]
            if client.role == "bidder":
                self.maybe_schedule(client)
        elif kind == "auction:extended":
            key = ("extended", message["auction_id"], message["ends_at_ms"])
            if key in client.seen:
                rec.counts["duplicate:auction:extended"] += 1
            else:
                client.seen.add(key)
                latency = received - message["server_time"]
                rec.add("deliver_extended", latency)
                rec.reached(key, latency)
        elif kind == "auction:ended":
            key = ("ended", message["auction_id"])
            if key in client.seen:
                rec.counts["duplicate:auction:ended"] += 1
            else:
                client.seen.add(key)
                latency = received - message["server_time"]
                rec.add("deliver_ended", latency)
                rec.reached(key, latency)
            client.closed = True
        elif kind in ("auction:bid:accepted", "auction:bid:rejected"):
            sent = client.pending.pop(message.get("idempotency_key"), None)
            if sent is not None:
                rec.add("bid_ws", received - sent)
            code = "accepted" if kind == "auction:bid:accepted" else message.get("code", "?")
            rec.codes[("ws", code)] += 1
            client.in_flight = False
            if code == "accepted":  # the highest now, whether or not the room's update has come yet
                client.high_paddle = client.paddle
            elif message.get("min_next_bid"):  # outbid meanwhile: the refusal says what the minimum now is
                client.min_next = message["min_next_bid"]
            if client.role == "bidder":
                self.maybe_schedule(client)
        elif kind == "auction:state":
            client.high_paddle, client.min_next = message.get("high_bidder_paddle"), message.get("min_next_bid")
        else:
            rec.counts[f"other:{kind}" + (f":{message.get('code')}" if kind == "error" else "")] += 1

    # --- bidding bots ------------------------------------------------------------------------------------

    def maybe_schedule(self, client: Client) -> None:
        """A bidder who is not the highest bids the minimum next bid after a human-like pause."""
        if not self.bidding or client.in_flight or client.scheduled is not None or client.closed:
            return
        if client.high_paddle == client.paddle or client.min_next is None:
            return
        delay = rng.uniform(self.plan["bid_delay_min"], self.plan["bid_delay_max"])
        client.scheduled = asyncio.get_running_loop().call_later(delay, self.fire, client)

    def fire(self, client: Client) -> None:
        client.scheduled = None
        if not self.bidding or time.time() >= self.t_end or client.closed or client.in_flight:
            return
        if client.high_paddle == client.paddle or client.min_next is None:
            return
        amount, key = client.min_next, str(uuid.uuid4())
        client.in_flight = True
        if self.session is not None and rng.random() < self.plan["rest_bid_share"]:
            self.spawn(self.rest_bid(client, amount, key))
        else:
            client.pending[key] = now_ms()
            message = {"type": "auction:bid", "auction_id": client.auction_id, "amount": amount, "idempotency_key": key}
            self.send(client, json.dumps(message))

    def send(self, client: Client, text: str) -> None:
        try:
            client.ws.send(TEXT, text.encode())
        except Exception:
            self.rec.counts["send_failed"] += 1
            client.in_flight = False

    def rest_url(self, path: str) -> str:
        host, port = rng.choice(self.rest_entry)
        return f"http://{host}:{port}{path}"

    async def rest_bid(self, client: Client, amount: int, key: str) -> None:
        started = time.perf_counter()
        code = "transport_error"
        try:
            async with self.session.post(
                self.rest_url(f"/api/auctions/{client.auction_id}/bids/"),
                json={"amount": amount, "idempotency_key": key},
                headers={"Authorization": f"Bearer {client.token}"},
            ) as response:
                body = await response.json(content_type=None)
                code = "accepted" if response.status == 201 else (body or {}).get("code", str(response.status))
            if code == "accepted":
                client.high_paddle = client.paddle
            elif isinstance(body, dict) and body.get("min_next_bid"):
                client.min_next = body["min_next_bid"]
            self.rec.add("bid_rest", (time.perf_counter() - started) * 1000)
        except Exception as exc:
            self.rec.counts[f"rest_bid_error:{type(exc).__name__}"] += 1
        self.rec.codes[("rest", code)] += 1
        client.in_flight = False
        self.maybe_schedule(client)

    # --- REST browsing, one-at-a-time connects, loop lag -------------------------------------------------

    async def browse(self) -> None:
        auctions = self.plan["auction_ids"]
        pages = (
            ("rest_auction_list", lambda: "/api/auctions/?status=active"),
            ("rest_auction_detail", lambda: f"/api/auctions/{rng.choice(auctions)}/"),
            ("rest_horse_list", lambda: "/api/horses/"),
        )
        await asyncio.sleep(rng.uniform(0, self.plan["think_max"]))
        while self.bidding and time.time() < self.t_end:
            for name, path in pages:
                started = time.perf_counter()
                try:
                    async with self.session.get(self.rest_url(path())) as response:
                        await response.read()
                        status = response.status
                except Exception as exc:
                    self.rec.counts[f"rest_error:{type(exc).__name__}"] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                self.rec.add(name, elapsed)
                self.rec.add("rest_browse", elapsed)
                self.rec.counts[f"rest_status:{status}"] += 1
            await asyncio.sleep(rng.uniform(self.plan["think_min"], self.plan["think_max"]))

    async def serial_connects(self, loop: int = 0) -> None:
        """Fresh sockets one at a time while the others are held: connect latency without a queue in front. Run
        by the connect probe, a load process that holds no socket of its own, one such loop per load process."""
        probes = self.plan["probe_tokens"]
        serial = self.plan["serial_base"] + len(self.clients) + loop * 100_000
        await asyncio.sleep(rng.uniform(0, self.plan["serial_interval"]))
        while self.bidding and time.time() < self.t_end and probes:
            serial += 1
            client = Client(
                {
                    "role": "probe",
                    "auction_id": rng.choice(self.plan["auction_ids"]),
                    "user_id": None,
                    "paddle": None,
                    "token": probes[serial % len(probes)],
                }
            )
            try:
                await self.open_socket(client, serial, "connect_serial", hand_over=False)
                await self.close(client)
            except Exception as exc:
                self.rec.counts[f"serial_connect_error:{type(exc).__name__}"] += 1
            await asyncio.sleep(self.plan["serial_interval"])

    def time_collections(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.gc_started = time.perf_counter()
        elif self.gc_started is not None:
            self.rec.add("client_gc_pause", (time.perf_counter() - self.gc_started) * 1000)
            self.gc_started = None

    async def loop_lag(self) -> None:
        """How late this process's event loop wakes up: when high, client-side queueing inflates the figures."""
        while not self.stopping:
            started = time.perf_counter()
            await asyncio.sleep(0.1)
            if self.bidding:
                name = "probe_loop_lag" if self.plan.get("connect_probe") else "client_loop_lag"
                self.rec.add(name, (time.perf_counter() - started - 0.1) * 1000)

    def spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.append(task)
        task.add_done_callback(self.tasks.remove)

    # --- the run -----------------------------------------------------------------------------------------

    async def main(self) -> None:
        import aiohttp

        command = await self.command()
        assert command["cmd"] == "connect", command
        started = time.perf_counter()
        outcome = await self.connect_all()
        outcome["seconds"] = round(time.perf_counter() - started, 2)
        # The clients' own collector must not pause them (2,500 held connections are a big heap to walk): the
        # same tuning as the servers' (config/asgi.py), and every pause of the oldest generation is timed.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        gc.callbacks.append(self.time_collections)
        outcome["negotiated_extensions"] = dict(self.negotiated_extensions)
        self.conn.send(outcome)

        command = await self.command()
        if command["cmd"] == "start":
            self.t_start, self.t_end = command["t_start"], command["t_end"]
            connector = aiohttp.TCPConnector(limit=self.plan["rest_connections"], force_close=False)
            self.session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))
            self.bidding = True
            lag = asyncio.create_task(self.loop_lag())
            background = [asyncio.create_task(self.browse()) for _ in range(self.plan["browsers"])]
            if self.plan["serial_interval"] > 0:
                loops = self.plan.get("probe_loops", 1) if self.plan.get("connect_probe") else 1
                background += [asyncio.create_task(self.serial_connects(loop)) for loop in range(loops)]
            for client in self.clients:
                if client.role == "bidder" and client.ws is not None:
                    self.maybe_schedule(client)
            command = await self.command()  # "quiet?" while the run drains, then "stop"
            while command["cmd"] == "quiet?":
                self.conn.send({"quiet_for": time.monotonic() - self.last_room_event})
                command = await self.command()
            self.bidding = False
            for task in background:
                task.cancel()
            for client in self.clients:
                if client.scheduled is not None:
                    client.scheduled.cancel()
            self.stopping = True
            lag.cancel()
        self.stopping = True
        self.rec.counts["sockets_open_at_stop"] = sum(1 for c in self.clients if c.ws is not None and not c.closed)
        self.conn.send(self.rec.export())
        if self.session is not None:
            await self.session.close()
        await asyncio.gather(*(self.close(client) for client in self.clients))

    async def close(self, client: Client) -> None:
        """A clean close, as a browser leaving the page: CLOSE frame, then the TCP connection."""
        transport = client.ws
        if transport is None:
            return
        with contextlib.suppress(Exception):
            transport.send_close(NORMAL_CLOSURE)
            transport.disconnect()
            await asyncio.wait_for(transport.wait_disconnected(), 3)


def worker_main(index: int, plan: dict, conn) -> None:
    if plan.get("nice"):
        os.nice(-plan["nice"])  # bench run --loadgen-nice: ahead of the servers for a core
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(Worker(index, plan, conn).main())
