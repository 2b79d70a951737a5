"""The fault suite's clients: watchers that keep a lot's state as the SPA does (DESIGN.md, `seq`), bidders over
REST and over sockets that retry an unanswered bid with the same idempotency key, and a log of every HTTP
request. They talk to the stack only over HTTP and WebSocket."""

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import websockets

FINAL = ("sold", "unsold", "cancelled")
ROOM_EVENTS = (
    "auction:update",
    "auction:extended",
    "auction:ended",
    "auction:started",
    "auction:scheduled",
    "auction:paused",
    "auction:resumed",
    "auction:message",
)


@dataclass
class Request:
    kind: str
    server: int
    started: float
    ended: float
    status: int | None  # None: no answer at all (connection refused, reset, timed out)
    code: str | None = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def is_server_error(self) -> bool:
        """An answered 5xx other than the contract's 503 `unavailable`."""
        if self.status is None or self.status < 500:
            return False
        return not (self.status == 503 and self.code == "unavailable")


@dataclass
class Ack:
    lot: int
    bid_id: int
    amount: int
    paddle: int
    via: str
    at: float


@dataclass
class Log:
    requests: list[Request] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    socket_closes: dict[int, int] = field(default_factory=dict)  # close code → count
    handshake_statuses: dict[int, int] = field(default_factory=dict)

    def closed(self, code: int) -> None:
        self.socket_closes[code] = self.socket_closes.get(code, 0) + 1


class Board:
    """What the bidders know of each lot: the newest state any watcher holds (a bidder's own screen)."""

    def __init__(self, lots: list[int]):
        self.state = {lot: {"seq": -1} for lot in lots}

    def offer(self, lot: int, view: dict) -> None:
        if view.get("seq", -1) >= self.state[lot]["seq"]:
            self.state[lot] = dict(view)

    def learn_min_next_bid(self, lot: int, amount: int) -> None:
        """A refusal (bid_too_low) says what the next bid must be, even while the room's events are not arriving."""
        self.state[lot]["min_next_bid"] = max(amount, self.min_next_bid(lot) or 0)

    def min_next_bid(self, lot: int) -> int | None:
        return self.state[lot].get("min_next_bid")

    def high_paddle(self, lot: int) -> int | None:
        return self.state[lot].get("high_bidder_paddle")


class Http:
    def __init__(self, stack, log: Log):
        self.stack, self.log = stack, log
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))

    async def close(self) -> None:
        await self.session.close()

    async def call(self, kind: str, server: int, method: str, path: str, *, token=None, body=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.monotonic()
        try:
            async with self.session.request(
                method, self.stack.http_url(server, path), json=body, headers=headers
            ) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.log.requests.append(Request(kind, server, started, time.monotonic(), None, error=type(exc).__name__))
            return None, None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        code = data.get("code") if isinstance(data, dict) else None
        self.log.requests.append(Request(kind, server, started, time.monotonic(), status, code))
        return status, data


class SocketClient:
    """One socket, reconnected after any loss (to its own server first, then the other, unless pinned), joined
    to every lot it watches; a lot's state is kept as the SPA keeps it: a snapshot replaces it unless older, an
    event applies only if newer, a gap or a countdown run out without `auction:ended` asks for `auction:sync`."""

    def __init__(self, name, stack, log: Log, lots: list[int], *, server: int, token=None, pinned=False, board=None):
        self.name, self.stack, self.log, self.lots = name, stack, log, list(lots)
        self.server, self.token, self.pinned, self.board = server, token, pinned, board
        self.views: dict[int, dict] = {}
        self.ended_shown: dict[int, int] = dict.fromkeys(lots, 0)
        self.ended_received: dict[int, int] = dict.fromkeys(lots, 0)
        self.ticks: list[tuple[float, int]] = []  # (local arrival, server) of each auction:timer
        self.ws = None
        self.offset_ms = 0.0  # server clock - local clock
        self.last_sync: dict[int, float] = {}
        self.stopping = False
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._watch_clocks())]

    async def stop(self) -> None:
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _run(self) -> None:
        attempt = 0
        while not self.stopping:
            server = self.server if self.pinned or (attempt // 2) % 2 == 0 else 1 - self.server
            url = self.stack.ws_url(server, self.token)
            try:
                async with websockets.connect(
                    url, origin="http://localhost", open_timeout=5, close_timeout=1, compression=None
                ) as ws:
                    self.ws, self.connected_to, attempt = ws, server, 0
                    for lot in self.lots:
                        await ws.send(json.dumps({"type": "auction:join", "auction_id": lot}))
                    async for raw in ws:
                        self._receive(json.loads(raw), server)
                    self.log.closed(ws.close_code or 1006)
            except websockets.ConnectionClosed as exc:
                self.log.closed(exc.rcvd.code if exc.rcvd else 1006)
            except websockets.InvalidStatus as exc:
                status = exc.response.status_code
                self.log.handshake_statuses[status] = self.log.handshake_statuses.get(status, 0) + 1
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                pass
            self.ws = None
            self._lost()
            attempt += 1
            await asyncio.sleep(min(2.0, 0.25 * attempt) + random.uniform(0, 0.25))

    def _lost(self) -> None:
        """The socket is gone: what was waiting on it learns so (a bidder's unanswered bid)."""

    def _receive(self, message: dict, server: int) -> None:
        if "server_time" in message:
            self.offset_ms = message["server_time"] - time.time() * 1000
        kind = message.get("type")
        lot = message.get("auction_id") or message.get("id")
        if kind == "auction:state":
            self._apply_snapshot(message.get("id", lot), message)
        elif kind == "auction:timer" and lot in self.lots:
            self.ticks.append((time.monotonic(), server))
            view = self.views.get(lot)
            if view is None or message["seq"] < view["seq"]:
                return
            if message["seq"] > view["seq"]:
                self.request_sync(lot)
                return
            view["ends_at_ms"] = message["ends_at_ms"]
        elif kind in ROOM_EVENTS and lot in self.lots:
            if kind == "auction:ended":
                self.ended_received[lot] += 1
            self._apply_event(lot, message)
        else:
            self.other(message)

    def other(self, message: dict) -> None:
        """A message for the subclass (a bidder's answers)."""

    def _apply_snapshot(self, lot, snapshot: dict) -> None:
        if lot not in self.lots:
            return
        view = self.views.get(lot)
        if view is not None and snapshot["seq"] < view["seq"]:
            return
        was_final = view is not None and view.get("status") in FINAL
        self.views[lot] = {**(view or {}), **snapshot}
        self._shown(lot, was_final)

    def _apply_event(self, lot, event: dict) -> None:
        view = self.views.get(lot)
        if view is None or event["seq"] <= view["seq"]:
            return  # not joined yet (the snapshot will show it), or stale: never undo a newer state
        if event["seq"] > view["seq"] + 1:
            self.request_sync(lot)
        was_final = view.get("status") in FINAL
        view.update({key: value for key, value in event.items() if key not in ("type", "server_time", "bid")})
        self._shown(lot, was_final)

    def _shown(self, lot, was_final: bool) -> None:
        view = self.views[lot]
        if view.get("status") in FINAL and not was_final:
            self.ended_shown[lot] += 1
        if self.board is not None:
            self.board.offer(lot, view)

    def request_sync(self, lot: int) -> None:
        now = time.monotonic()
        if self.ws is None or now - self.last_sync.get(lot, 0) < 1.0:
            return
        self.last_sync[lot] = now
        ws = self.ws
        asyncio.get_running_loop().create_task(self._send_quietly(ws, {"type": "auction:sync", "auction_id": lot}))

    @staticmethod
    async def _send_quietly(ws, message: dict) -> None:
        with contextlib.suppress(Exception):
            await ws.send(json.dumps(message))

    async def _watch_clocks(self) -> None:
        """The countdown reached zero without `auction:ended`: ask for the state, as the SPA does."""
        while True:
            await asyncio.sleep(0.5)
            server_now = time.time() * 1000 + self.offset_ms
            for lot, view in self.views.items():
                if view.get("status") == "active" and view.get("ends_at_ms") and server_now > view["ends_at_ms"] + 1000:
                    self.request_sync(lot)

    def final(self, lot: int) -> dict | None:
        view = self.views.get(lot)
        return view if view is not None and view.get("status") in FINAL else None


def _pick_lot(board: Board, lots_open: list[int], paddle: int) -> int | None:
    candidates = [
        lot
        for lot in lots_open
        if board.state[lot].get("status") == "active"
        and board.min_next_bid(lot) is not None
        and board.high_paddle(lot) != paddle
    ]
    return random.choice(candidates) if candidates else None


class SocketBidder(SocketClient):
    """Bids on its socket; an unanswered bid (the socket lost, the answer late) is sent again with the same key
    once the socket is back, until it is answered or the lot's bidding is over."""

    def __init__(self, *args, paddle: int, bidding_open, **kwargs):
        super().__init__(*args, **kwargs)
        self.paddle, self.bidding_open = paddle, bidding_open
        self.answers: dict[str, asyncio.Future] = {}

    def start(self) -> None:
        super().start()
        self.tasks.append(asyncio.create_task(self._bid_loop()))

    def other(self, message: dict) -> None:
        key = message.get("idempotency_key")
        if message.get("type") in ("auction:bid:accepted", "auction:bid:rejected", "error") and key in self.answers:
            future = self.answers[key]
            if not future.done():
                future.set_result(message)

    def _lost(self) -> None:
        for future in self.answers.values():
            if not future.done():
                future.set_result(None)

    async def _bid_loop(self) -> None:
        while True:
            await asyncio.sleep(random.uniform(0.3, 0.8))
            lot = _pick_lot(self.board, self.bidding_open(), self.paddle)
            if lot is None:
                continue
            await self._bid(lot, self.board.min_next_bid(lot), str(uuid.uuid4()))

    async def _bid(self, lot: int, amount: int, key: str) -> None:
        while lot in self.bidding_open(grace=5):
            ws = self.ws
            if ws is None or lot not in self.views:
                await asyncio.sleep(0.2)
                continue
            future = self.answers[key] = asyncio.get_running_loop().create_future()
            frame = {"type": "auction:bid", "auction_id": lot, "amount": amount, "idempotency_key": key}
            try:
                await ws.send(json.dumps(frame))
                answer = await asyncio.wait_for(future, 8)
            except (TimeoutError, websockets.ConnectionClosed):
                answer = None
            finally:
                self.answers.pop(key, None)
            if answer is None:
                await asyncio.sleep(0.3)
                continue  # unanswered: the same key again
            if answer["type"] == "auction:bid:accepted":
                bid = answer["bid"]
                self.log.acks.append(Ack(lot, bid["id"], bid["amount"], self.paddle, "ws", time.monotonic()))
            elif answer.get("min_next_bid"):  # bid_too_low: the room's events are late (Redis away), the answer is not
                self.board.learn_min_next_bid(lot, answer["min_next_bid"])
            return


class RestBidder:
    """Bids over REST on either server, as a load balancer would send it; retries a request that got no answer
    or a 503 with the same idempotency key, after the Retry-After it was given (at most 2 s)."""

    def __init__(self, name, http: Http, log: Log, board: Board, *, token, paddle, bidding_open, server: int):
        self.name, self.http, self.log, self.board = name, http, log, board
        self.token, self.paddle, self.bidding_open, self.server = token, paddle, bidding_open, server
        self.task = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(random.uniform(0.3, 0.8))
            lot = _pick_lot(self.board, self.bidding_open(), self.paddle)
            if lot is not None:
                await self._bid(lot, self.board.min_next_bid(lot), str(uuid.uuid4()))

    async def _bid(self, lot: int, amount: int, key: str) -> None:
        body = {"amount": amount, "idempotency_key": key}
        while lot in self.bidding_open(grace=5):
            self.server = 1 - self.server
            status, data = await self.http.call(
                "bid", self.server, "POST", f"/api/auctions/{lot}/bids/", token=self.token, body=body
            )
            if status == 201:
                self.log.acks.append(Ack(lot, data["id"], data["amount"], self.paddle, "rest", time.monotonic()))
                return
            if status is None or status >= 500:
                wait = (data or {}).get("retry_after", 1) if isinstance(data, dict) else 1
                await asyncio.sleep(min(2.0, float(wait)))
                continue
            if isinstance(data, dict) and data.get("min_next_bid"):
                self.board.learn_min_next_bid(lot, data["min_next_bid"])
            return


class Visitor:
    """Someone browsing: reads a lot every half second and signs in every two seconds, on both servers."""

    def __init__(self, http: Http, lots: list[int], *, username: str, password: str):
        self.http, self.lots, self.username, self.password = http, lots, username, password
        self.tasks = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._sign_in())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task

    async def _read(self) -> None:
        turn = 0
        while True:
            turn += 1
            lot = self.lots[turn % len(self.lots)]
            await self.http.call("read", turn % 2, "GET", f"/api/auctions/{lot}/")
            await asyncio.sleep(0.5)

    async def _sign_in(self) -> None:
        turn = 0
        body = {"username": self.username, "password": self.password}
        while True:
            turn += 1
            await self.http.call("login", turn % 2, "POST", "/api/auth/token/", body=body)
            await asyncio.sleep(2)
