"""The fault suite's world: its own PostgreSQL cluster and Redis server, migrated and seeded in subprocesses, and
the stack on them. Nothing here uses the shared test database or Redis: the suite-wide fixtures that would are
replaced by ones that do nothing."""

import json
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .servers import PostgresCluster, RedisServer
from .stack import FaultStack, manage, stack_environment

LOTS_PER_PHASE = 4
PHASES = 5
RUN_DIR = Path(__file__).resolve().parents[2] / ".run"  # gitignored
REPORT = RUN_DIR / "fault-suite.json"
LOGS = RUN_DIR / "fault-suite-logs"  # every process's log of the last run, kept for a look after a failure
_reports: list = []


@dataclass
class World:
    stack: FaultStack
    postgres: PostgresCluster
    redis: RedisServer
    cast: dict
    tokens: dict
    mail_dir: Path
    phase: int = 0
    reports: list = field(default_factory=lambda: _reports)

    def next_lots(self) -> list[int]:
        lots = self.cast["lots"][self.phase * LOTS_PER_PHASE : (self.phase + 1) * LOTS_PER_PHASE]
        self.phase += 1
        return lots


@pytest.fixture(autouse=True)
def _clean_redis():
    """The suite's Redis is its own; the shared one is never flushed from here."""
    yield


@pytest.fixture(autouse=True)
def _forget_socket_users():
    yield


def _token(stack: FaultStack, username: str, password: str) -> str:
    request = urllib.request.Request(
        stack.http_url(0, "/api/auth/token/"),
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)["access"]


@pytest.fixture(scope="session")
def world():
    postgres = redis = stack = None
    mail_dir = Path(tempfile.mkdtemp(prefix="umaseri-faults-mail-"))
    try:
        # The binaries of the servers the whole suite needs anyway (initdb, pg_ctl, redis-server): without them
        # this fails with MissingBinary's message rather than skip, since a skipped fault suite proves nothing.
        postgres, redis = PostgresCluster(), RedisServer()
        postgres.create()
        redis.start()
        env = stack_environment(postgres, redis, mail_dir)
        migrated = manage(env, "manage.py", "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        seeded = manage(env, "-m", "tests.faults.seed", str(LOTS_PER_PHASE * PHASES))
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        cast = json.loads(seeded.stdout.strip().splitlines()[-1])
        stack = FaultStack(env)
        stack.start()
        users = [cast["auctioneer"], *(b["username"] for b in cast["bidders"])]
        tokens = {user: _token(stack, user, cast["password"]) for user in users}
        yield World(stack, postgres, redis, cast, tokens, mail_dir)
    except BaseException:
        if stack is not None:
            print(stack.tail_logs(60))
        if postgres is not None:
            print("--- postgres.log\n" + postgres.tail_log())
        raise
    finally:
        _keep_logs(stack, postgres, redis)
        if stack is not None:
            stack.stop()
        if redis is not None:
            redis.destroy()
        if postgres is not None:
            postgres.destroy()
        shutil.rmtree(mail_dir, ignore_errors=True)


def _keep_logs(stack, postgres, redis) -> None:
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    sources = [*(stack.logs if stack else []), postgres.log if postgres else None]
    sources.append(redis.root / "redis.log" if redis else None)
    for source in sources:
        if source is not None and source.exists():
            shutil.copy(source, LOGS / source.name)


COLUMNS = (
    ("fault", "fault", "{}"),
    ("acknowledged", "bids ack'd", "{}"),
    ("acknowledged_during", "during fault", "{}"),
    ("stored", "stored", "{}"),
    ("server_errors", "500s", "{}"),
    ("unavailable", "503s", "{}"),
    ("no_answer", "no answer", "{}"),
    ("longest_request", "longest req (s)", "{:.2f}"),
    ("longest_kind", "which", "{}"),
    ("close_delay", "close delay (s)", "{:.2f}"),
    ("late_vs_planned", "vs planned end (s)", "{:.2f}"),
    ("outage_extensions", "outage ext.", "{}"),
    ("recovery", "recovery (s)", "{}"),
    ("duplicate_ended", "ended dup. recv", "{}"),
    ("result_notices", "won/lost notices", "{}"),
    ("emails", "e-mails", "{}"),
    ("socket_closes", "socket closes", "{}"),
    ("revived", "exited, restarted", "{}"),
)


def fault_table(reports) -> str:
    rows = [[title for _key, title, _fmt in COLUMNS]]
    for report in reports:
        rows.append([fmt.format(getattr(report, key)) for key, _title, fmt in COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [" | ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter):
    if not _reports:
        return
    terminalreporter.section("fault suite")
    terminalreporter.write_line(fault_table(_reports))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps([report.as_dict() for report in _reports], indent=2, default=str))
    terminalreporter.write_line(f"written to {REPORT.relative_to(REPORT.parents[1])}")
