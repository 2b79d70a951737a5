"""The platform as the Procfile runs it, on the fault suite's own PostgreSQL and Redis: two daphne servers, the
worker (queues celery and email), the lifecycle worker (queue lifecycle) and beat, each a process group of its own
that a test may kill -9 and start again."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.live_stack import ROOT, LiveStack, _wait_for_port, free_port

from .servers import PostgresCluster, RedisServer

# Neither the shell's nor the shared test servers' addresses may leak into the stack.
_OWN_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "TEST_DB_NAME", "E2E_BROKER_DB")


def stack_environment(postgres: PostgresCluster, redis: RedisServer, mail_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _OWN_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.settings",
        DATABASE_URL=postgres.url,
        REDIS_URL=redis.url(0),
        CELERY_BROKER_URL=redis.url(1),
        CELERY_TASK_ALWAYS_EAGER="false",
        CHANNEL_LAYER_PREFIX="asgi-faults",
        CACHE_KEY_PREFIX="umaseri-faults",
        # Rule 12 as in production: a lot whose last window an outage overlapped is extended, not closed.
        OUTAGE_RULE_ENABLED="true",
        # The suite's six bidders bid far more often than a person: the per-user limit is not what is tested.
        BID_RATE_LIMIT_PER_MINUTE="1000",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        FAULTS_MAIL_DIR=str(mail_dir),  # the workers' e-mails, as files (tests/faults/settings.py)
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


class FaultStack(LiveStack):
    def __init__(self, env: dict[str, str]):
        super().__init__(servers=2)
        self.stack_env = env
        self.commands: dict[str, list[str]] = {}
        self.running: dict[str, subprocess.Popen] = {}
        self.current_log: dict[str, Path] = {}
        self.launches: dict[str, int] = {}
        self.killed: set[str] = set()  # down on purpose (a phase's fault): not revived
        self.revived: dict[str, int] = {}  # exited on their own and started again, by name

    def env(self) -> dict:
        return dict(self.stack_env)

    def start(self) -> "FaultStack":
        for index in range(2):
            port = free_port()
            self.ports.append(port)
            self.commands[f"daphne-{index}"] = [
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "config.asgi:application",
            ]
        worker = ["celery", "-A", "config", "worker", "--without-gossip", "--without-mingle", "-l", "info"]
        self.commands["worker"] = [*worker, "--queues", "celery,email", "--hostname", "worker@faults", "-c", "2"]
        self.commands["lifecycle"] = [*worker, "--queues", "lifecycle", "--hostname", "lifecycle@faults", "-c", "2"]
        schedule = Path(self.tmp.name) / "beat-schedule"
        self.commands["beat"] = ["celery", "-A", "config", "beat", "-l", "info", "-s", str(schedule)]
        for name in self.commands:
            self.launch(name)
        for name in self.commands:
            self.wait_ready(name)
        return self

    def launch(self, name: str) -> None:
        self.killed.discard(name)
        count = self.launches[name] = self.launches.get(name, 0) + 1
        label = name if count == 1 else f"{name}-{count}"
        self.running[name] = self._spawn(label, self.commands[name])
        self.current_log[name] = Path(self.tmp.name) / f"{label}.log"

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        process = self.running[name]
        if name.startswith("daphne-"):
            _wait_for_port(self.ports[int(name.rsplit("-", 1)[1])], process, timeout)
            return
        if name == "beat":
            return  # beat has no "ready" line; its first sends show in the ticks
        log = self.current_log[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{name} did not become ready")

    def kill(self, name: str) -> None:
        """kill -9 the process and everything it started (a prefork worker's pool)."""
        self.killed.add(name)
        process = self.running[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def revive(self) -> list[str]:
        """As compose's `restart: unless-stopped` does: a process that exited by itself is started again. Returns
        the names revived; each is counted in `revived` (a phase reports them: an exit is worth a look)."""
        revived = []
        for name, process in list(self.running.items()):
            if name not in self.killed and process.poll() is not None:
                self.revived[name] = self.revived.get(name, 0) + 1
                self.launch(name)
                revived.append(name)
        return revived

    def tail_logs(self, lines: int = 40) -> str:
        return super().tail_logs(lines)
