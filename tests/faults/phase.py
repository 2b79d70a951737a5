"""One phase of the fault suite: lots start, bidders bid and watchers watch on both servers, a fault strikes
for OUTAGE_SECONDS while some lots are due to end, what was killed or stopped comes back; then the lots close and
everything a bidder or a watcher was told is checked against the database."""

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .clients import Board, Http, Log, RestBidder, SocketBidder, SocketClient, Visitor
from .stack import manage

OUTAGE_SECONDS = 10
BEFORE_FAULT = 6  # seconds of bidding before the fault strikes
# Each phase's lots are due to end (from their start) during the fault, just as it ends, and after it.
DUE = (BEFORE_FAULT + 2, BEFORE_FAULT + 6, BEFORE_FAULT + OUTAGE_SECONDS + 2, BEFORE_FAULT + OUTAGE_SECONDS + 6)
BID_TAIL = 3  # bidding on a lot goes on this long past its planned end (snipes, refusals), then stops
SETTLE_TIMEOUT = 60  # for the lots to close and every watcher to show it, once bidding is over
RECOVERY_TIMEOUT = 45


@dataclass
class PhaseReport:
    fault: str
    acknowledged: int = 0
    acknowledged_during: int = 0  # of which between the fault and the restore
    stored: int = 0
    server_errors: int = 0
    unavailable: int = 0
    no_answer: int = 0
    longest_request: float = 0.0
    longest_kind: str = ""  # what it was: bid, read, login, probe
    close_delay: float = 0.0  # the longest closed_at - ends_at of the phase's lots
    late_vs_planned: float = 0.0  # the longest closed_at - the end planned at the start
    outage_extensions: int = 0
    recovery: float | None = None
    socket_closes: dict = field(default_factory=dict)
    duplicate_ended: int = 0  # `auction:ended` received more than once (shown once: seq)
    revived: dict = field(default_factory=dict)  # processes that exited by themselves and were started again
    result_notices: int = 0  # won / lost notices of the phase's lots
    emails: int = 0  # e-mails of those notices (each must be one)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "problems"} | {
            "problems": len(self.problems)
        }


class Phase:
    def __init__(
        self, *, fault: str, stack, postgres, redis, cast: dict, lots: list[int], tokens: dict, mail_dir: Path
    ):
        self.fault, self.stack, self.postgres, self.redis = fault, stack, postgres, redis
        self.mail_dir = mail_dir
        self.cast, self.lots, self.tokens = cast, lots, tokens
        self.log = Log()
        self.report = PhaseReport(fault)
        self.stop_at: dict[int, float] = {}

    # --- the fault --------------------------------------------------------------------------------------------

    def inject(self) -> None:
        if self.fault == "worker":
            self.stack.kill("worker")
            self.stack.kill("lifecycle")
        elif self.fault == "beat":
            self.stack.kill("beat")
        elif self.fault == "daphne":
            self.stack.kill("daphne-0")
        elif self.fault == "redis":
            self.redis.kill()
        elif self.fault == "postgres":
            self.postgres.stop("immediate")
        else:
            raise ValueError(self.fault)

    def restore(self) -> None:
        if self.fault == "worker":
            self.stack.launch("worker")
            self.stack.launch("lifecycle")
        elif self.fault == "beat":
            self.stack.launch("beat")
        elif self.fault == "daphne":
            self.stack.launch("daphne-0")
            self.stack.wait_ready("daphne-0")
        elif self.fault == "redis":
            self.redis.start()
        elif self.fault == "postgres":
            self.postgres.start()

    # --- the run ------------------------------------------------------------------------------------------------

    def bidding_open(self, grace: float = 0) -> list[int]:
        now = time.monotonic()
        return [lot for lot in self.lots if now < self.stop_at.get(lot, 0) + grace]

    async def run(self) -> PhaseReport:
        http = Http(self.stack, self.log)
        board = Board(self.lots)
        auctioneer = self.tokens[self.cast["auctioneer"]]
        bidders = self.cast["bidders"]
        watchers = [
            SocketClient(f"watcher-{n}", self.stack, self.log, self.lots, server=n % 2, board=board) for n in range(4)
        ]
        probes = [SocketClient(f"probe-{n}", self.stack, self.log, self.lots, server=n, pinned=True) for n in range(2)]
        socket_bidders = [
            SocketBidder(
                f"ws-bidder-{b['paddle']}",
                self.stack,
                self.log,
                self.lots,
                server=n % 2,
                token=self.tokens[b["username"]],
                board=board,
                paddle=b["paddle"],
                bidding_open=self.bidding_open,
            )
            for n, b in enumerate(bidders[:3])
        ]
        rest_bidders = [
            RestBidder(
                f"rest-bidder-{b['paddle']}",
                http,
                self.log,
                board,
                token=self.tokens[b["username"]],
                paddle=b["paddle"],
                bidding_open=self.bidding_open,
                server=n % 2,
            )
            for n, b in enumerate(bidders[3:])
        ]
        visitor = Visitor(http, self.lots, username=self.cast["viewer"], password=self.cast["password"])
        sockets = [*watchers, *probes, *socket_bidders]
        supervisor = asyncio.create_task(self._supervise())
        try:
            for client in sockets:
                client.start()
            await self._wait(lambda: all(len(c.views) == len(self.lots) for c in sockets), 20, "every socket joined")
            started = time.monotonic()
            for lot, due in zip(self.lots, DUE, strict=True):
                await self._start_lot(http, auctioneer, lot, due)
                self.stop_at[lot] = started + due + BID_TAIL
            for client in [*rest_bidders, visitor]:
                client.start()

            await asyncio.sleep(max(0.0, started + BEFORE_FAULT - time.monotonic()))
            fault_at = time.monotonic()
            await asyncio.to_thread(self.inject)
            await asyncio.sleep(max(0.0, fault_at + OUTAGE_SECONDS - time.monotonic()))
            restored_at = time.monotonic()
            await asyncio.to_thread(self.restore)
            recovered_at = await self._recovered(http, probes, restored_at)
            if recovered_at is None:
                self.report.problems.append(f"not recovered {RECOVERY_TIMEOUT} s after the restore")
            else:
                self.report.recovery = round(recovered_at - restored_at, 2)
            window_end = recovered_at or time.monotonic()

            await asyncio.sleep(max(0.0, max(self.stop_at.values()) + 5 - time.monotonic()))
            await self._wait(self._all_closed, SETTLE_TIMEOUT, "every lot closed")
            await self._wait(
                lambda: all(c.final(lot) for c in sockets for lot in self.lots), 20, "every watcher shows the end"
            )
            # The results' notices go out through the outbox (a sweep retries what the broker refused at the close)
            await self._wait(self._notices_mailed, SETTLE_TIMEOUT, "every bidder told the result and e-mailed")
            await asyncio.sleep(1.5)  # anything sent twice arrives meanwhile
        finally:
            supervisor.cancel()
            for client in [*rest_bidders, visitor, *sockets]:
                await client.stop()
            await http.close()
        self.report.acknowledged_during = sum(fault_at <= ack.at <= restored_at for ack in self.log.acks)
        self._figures(fault_at, window_end)
        self._check(sockets)
        return self.report

    async def _supervise(self) -> None:
        """The stack's processes are supervised as compose supervises them (restart: unless-stopped)."""
        while True:
            for name in await asyncio.to_thread(self.stack.revive):
                self.report.revived[name] = self.report.revived.get(name, 0) + 1
            await asyncio.sleep(0.5)

    async def _start_lot(self, http, token, lot: int, due: int) -> None:
        status, data = await http.call(
            "setup", 0, "PATCH", f"/api/auctions/{lot}/", token=token, body={"duration_seconds": due}
        )
        assert status == 200, (status, data)
        status, data = await http.call("setup", 1, "POST", f"/api/auctions/{lot}/start/", token=token)
        assert status == 200, (status, data)

    async def _wait(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            done = condition()
            if asyncio.iscoroutine(done):
                done = await done
            if done:
                return
            if time.monotonic() > deadline:
                self.report.problems.append(f"timed out waiting for: {what}")
                return
            await asyncio.sleep(0.3)

    async def _recovered(self, http, probes, restored_at: float) -> float | None:
        """The whole path works again: each server answers a read, and each server's pinned socket has heard
        a timer tick sent after the restore (beat → lifecycle worker → Redis → daphne → socket)."""
        deadline = restored_at + RECOVERY_TIMEOUT
        read_ok = [False, False]
        lot = self.lots[-1]
        while time.monotonic() < deadline:
            for server in (0, 1):
                if not read_ok[server]:
                    status, _data = await http.call("probe", server, "GET", f"/api/auctions/{lot}/")
                    read_ok[server] = status == 200
            ticked = all(any(at > restored_at and server == n for at, server in p.ticks) for n, p in enumerate(probes))
            if all(read_ok) and ticked:
                return time.monotonic()
            await asyncio.sleep(0.2)
        return None

    def _query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.postgres.admin_dsn()) as connection:
            return connection.execute(sql, params).fetchall()

    async def _all_closed(self) -> bool:
        try:
            rows = await asyncio.to_thread(
                self._query,
                "SELECT count(*) FROM auctions_auction WHERE id = ANY(%s) AND status = 'active'",
                (self.lots,),
            )
        except psycopg.OperationalError:
            return False
        return rows[0][0] == 0

    def _result_notices(self) -> tuple[set, dict]:
        """Who should hear a result (every bidder of each lot, winner or not), and the won/lost notices there are:
        {(lot, user): (notification id, kind, e-mailed)}."""
        bidders = "SELECT DISTINCT auction_id, bidder_id FROM bidding_bid WHERE auction_id = ANY(%s)"
        expected = set(self._query(bidders, (self.lots,)))
        notices = {
            (lot, user): (pk, kind, emailed)
            for pk, lot, user, kind, emailed in self._query(
                "SELECT id, auction_id, user_id, kind, emailed_at IS NOT NULL FROM notifications_notification "
                "WHERE kind IN ('won', 'lost') AND auction_id = ANY(%s)",
                (self.lots,),
            )
        }
        return expected, notices

    async def _notices_mailed(self) -> bool:
        try:
            expected, notices = await asyncio.to_thread(self._result_notices)
        except psycopg.OperationalError:
            return False
        return all(key in notices and notices[key][2] for key in expected)

    def _emails_by_notification(self) -> Counter:
        """The workers' file backend writes every message it sends; each notice's Message-ID names it."""
        sent: Counter = Counter()
        for path in self.mail_dir.glob("*.log"):
            sent.update(int(pk) for pk in MESSAGE_ID.findall(path.read_text(errors="replace")))
        return sent

    # --- the figures and the checks -----------------------------------------------------------------------------

    def _figures(self, fault_at: float, window_end: float) -> None:
        report, log = self.report, self.log
        report.acknowledged = len(log.acks)
        during = [r for r in log.requests if fault_at <= r.started <= window_end]
        longest = max(during, key=lambda r: r.seconds, default=None)
        if longest is not None:
            report.longest_request = round(longest.seconds, 2)
            report.longest_kind = f"{longest.kind} {longest.status or longest.error}"
        report.server_errors = sum(r.is_server_error for r in log.requests)
        report.unavailable = sum(r.status == 503 and r.code == "unavailable" for r in log.requests)
        report.no_answer = sum(r.status is None for r in log.requests)
        report.socket_closes = dict(sorted(log.socket_closes.items()))
        for request in log.requests:
            if request.is_server_error:
                report.problems.append(f"HTTP {request.status} ({request.code}) on {request.kind} {request.server}")
        for status, count in log.handshake_statuses.items():
            if status >= 500 and status != 503:
                report.problems.append(f"{count} socket handshake(s) answered {status}")
        if log.socket_closes.get(1011):
            report.problems.append(f"{log.socket_closes[1011]} socket(s) closed with 1011 (internal error)")

    def _check(self, sockets) -> None:
        report = self.report
        bids = {
            row[0]: row
            for row in self._query(
                "SELECT b.id, b.auction_id, b.amount, u.paddle_number, b.placed_at FROM bidding_bid b "
                "JOIN accounts_user u ON u.id = b.bidder_id WHERE b.auction_id = ANY(%s)",
                (self.lots,),
            )
        }
        stored = [ack for ack in self.log.acks if ack.bid_id in bids]
        report.stored = len(stored)
        for ack in self.log.acks:
            row = bids.get(ack.bid_id)
            if row is None or (row[1], row[2], row[3]) != (ack.lot, ack.amount, ack.paddle):
                report.problems.append(f"acknowledged bid {ack} is not stored as acknowledged: {row}")
        lots = {
            row[0]: row
            for row in self._query(
                "SELECT id, status, ends_at, closed_at, hammer_price, winner_id, started_at, duration_seconds "
                "FROM auctions_auction WHERE id = ANY(%s)",
                (self.lots,),
            )
        }
        closes = dict(
            self._query(
                "SELECT auction_id, count(*) FROM bidding_auditentry WHERE action = 'close' AND auction_id = ANY(%s) "
                "GROUP BY auction_id",
                (self.lots,),
            )
        )
        report.outage_extensions = self._query(
            "SELECT count(*) FROM bidding_auditentry WHERE action = 'extend' AND reason = 'outage' "
            "AND auction_id = ANY(%s)",
            (self.lots,),
        )[0][0]
        paddles = dict(self._query("SELECT id, paddle_number FROM accounts_user"))
        for lot, (_pk, status, ends_at, closed_at, hammer, winner, started_at, duration) in lots.items():
            lot_bids = [row for row in bids.values() if row[1] == lot]
            late = [row for row in lot_bids if row[4] >= ends_at]
            if late:
                report.problems.append(f"lot {lot}: {len(late)} bid(s) stored at or after its end {ends_at}")
            if closes.get(lot, 0) != 1:
                report.problems.append(f"lot {lot}: closed {closes.get(lot, 0)} times")
            top = max(lot_bids, key=lambda row: row[2], default=None)
            expected = ("sold", top[2], top[3]) if top else ("unsold", None, None)
            actual = (status, hammer, paddles.get(winner))
            if actual != expected:
                report.problems.append(f"lot {lot}: {actual} but the top bid says {expected}")
            if closed_at is not None:
                report.close_delay = max(report.close_delay, round((closed_at - ends_at).total_seconds(), 2))
                planned = (closed_at - started_at).total_seconds() - duration
                report.late_vs_planned = max(report.late_vs_planned, round(planned, 2))
            for client in sockets:
                shown, view = client.ended_shown[lot], client.final(lot)
                received = client.ended_received[lot]
                report.duplicate_ended += max(0, received - 1)
                if shown != 1:
                    report.problems.append(f"{client.name} showed lot {lot} ended {shown} times")
                elif (view["status"], view.get("hammer_price"), view.get("winner_paddle")) != actual:
                    report.problems.append(f"{client.name} shows lot {lot} as {view['status']}, not {actual}")
        self._check_notices(lots, paddles)
        verify = manage(self.stack.stack_env, "manage.py", "audit_verify", timeout=120)
        if verify.returncode != 0:
            report.problems.append(f"audit_verify failed: {verify.stderr[-500:]}")

    def _check_notices(self, lots: dict, paddles: dict) -> None:
        """No notice lost, none twice, each e-mailed once: the winner hears 'won', every other bidder 'lost'."""
        report = self.report
        expected, notices = self._result_notices()
        sent = self._emails_by_notification()
        report.result_notices = len(notices)
        report.emails = sum(sent[pk] for pk, _kind, _emailed in notices.values())
        for lot, user in sorted(expected):
            notice = notices.get((lot, user))
            if notice is None:
                report.problems.append(f"lot {lot}: bidder {paddles.get(user)} was never told the result")
                continue
            pk, kind, _emailed = notice
            right = "won" if lots[lot][5] == user else "lost"
            if kind != right:
                report.problems.append(f"lot {lot}: bidder {paddles.get(user)} was told {kind!r}, not {right!r}")
            if sent[pk] != 1:
                report.problems.append(f"lot {lot}: the {kind} notice {pk} was e-mailed {sent[pk]} times")
        for pk, count in sent.items():
            if count > 1 and all(pk != notice[0] for notice in notices.values()):
                report.problems.append(f"notification {pk} (not a result) was e-mailed {count} times")


MESSAGE_ID = re.compile(r"^Message-ID: <notification-(\d+)@", re.MULTILINE)


async def run_phase(**kwargs) -> PhaseReport:
    random.seed(kwargs["fault"])
    return await Phase(**kwargs).run()
