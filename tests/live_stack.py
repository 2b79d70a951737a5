"""The real platform as separate processes, for end-to-end tests: daphne servers, a Celery worker and beat.

They share the test database (the test must commit its data: `django_db(transaction=True)`) and the test Redis.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reach(address: int | Path) -> socket.socket:
    """A connection to a server at a port of 127.0.0.1 or on a Unix socket."""
    if isinstance(address, int):
        return socket.create_connection(("127.0.0.1", address), timeout=0.5)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(0.5)
        sock.connect(str(address))
    except OSError:
        sock.close()
        raise
    return sock


def _wait_for_port(port: int | Path, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early with {process.returncode}: {process.args}")
        try:
            with _reach(port):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


class LiveStack:
    def __init__(
        self,
        *,
        servers: int = 2,
        worker: bool = True,
        beat: bool = True,
        daphne_args: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
        asgi_servers: tuple[str, ...] = (),
        unix_sockets: tuple[int, ...] = (),
    ):
        """`asgi_servers` names each server's kind ("daphne", "uvicorn": config.serve), daphne where not named;
        `daphne_args` go to either kind (config.serve takes daphne's --proxy-headers). The servers numbered in
        `unix_sockets` (config.serve only) listen on a Unix socket: their entry in `ports` is its path."""
        self.server_count, self.with_worker, self.with_beat = servers, worker, beat
        self.daphne_args, self.extra_env = tuple(daphne_args), dict(extra_env or {})
        self.asgi_servers, self.unix_sockets = tuple(asgi_servers), tuple(unix_sockets)
        self.ports: list[int | Path] = []
        self.processes: list[subprocess.Popen] = []
        self.tmp = tempfile.TemporaryDirectory(prefix="umaseri-e2e-")
        self.logs: list[Path] = []

    @property
    def broker_url(self) -> str:
        """The stack's Celery broker: its own Redis database, which the per-test flush of the cache leaves alone."""
        base = settings.REDIS_URL.rsplit("/", 1)[0]
        return f"{base}/{os.environ.get('E2E_BROKER_DB', '8')}"

    def env(self) -> dict:
        db = settings.DATABASES["default"]
        name = connection.settings_dict["NAME"]  # the test database, already created by pytest-django
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
            REDIS_URL=settings.REDIS_URL,
            CELERY_BROKER_URL=self.broker_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            CHANNEL_LAYER_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            PRESENCE_KEY_PREFIX=settings.PRESENCE_KEY_PREFIX,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = Path(self.tmp.name) / f"{name}.log"
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def _kind(self, index: int) -> str:
        return self.asgi_servers[index] if index < len(self.asgi_servers) else "daphne"

    def _server_command(self, index: int, port: int | Path) -> list[str]:
        if isinstance(port, Path):
            return ["config.serve", "--server", self._kind(index), *self.daphne_args, "--uds", str(port)]
        if self._kind(index) == "daphne":
            return ["daphne", *self.daphne_args, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
        return ["config.serve", "--server", self._kind(index), *self.daphne_args, "-b", "127.0.0.1", "-p", str(port)]

    def start(self) -> "LiveStack":
        # Tasks an earlier stack left queued (retries with an eta, a stopped worker's unacked ones) name rows that
        # test's flush has removed: this stack starts on an empty broker.
        redis.Redis.from_url(self.broker_url).flushdb()
        for index in range(self.server_count):
            port = Path(self.tmp.name) / f"server-{index}.sock" if index in self.unix_sockets else free_port()
            process = self._spawn(f"{self._kind(index)}-{index}", self._server_command(index, port))
            self.ports.append(port)
            _wait_for_port(port, process)
        if self.with_worker:
            self._spawn(
                "worker",
                [
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "info",
                ],
            )
        if self.with_beat:
            schedule = Path(self.tmp.name) / "beat-schedule"
            self._spawn("beat", ["celery", "-A", "config", "beat", "-l", "info", "-s", str(schedule)])
        if self.with_worker:
            self._wait_for_worker()
        return self

    @contextmanager
    def running(self) -> Iterator["LiveStack"]:
        """The stack started, and stopped again after; when it fails to start (or the block raises), each
        process's last log lines are printed first, which is what a failing end-to-end test needs to be read."""
        try:
            yield self.start()
        except Exception:
            print(self.tail_logs())
            raise
        finally:
            self.stop()

    def _wait_for_worker(self, timeout: float = 60) -> None:
        """The worker logs 'ready.' once it consumes from the broker."""
        log = next(path for path in self.logs if path.name == "worker.log")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise TimeoutError("the Celery worker did not become ready")

    def ws_url(self, server: int, token: str | None = None) -> str:
        query = f"?token={token}" if token else ""
        return f"ws://127.0.0.1:{self.ports[server]}/ws/auctions/{query}"

    def http_url(self, server: int, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[server]}{path}"

    def restart_servers(self) -> None:
        """Stop every server and start it again on the same port (clients must reconnect by themselves)."""
        for index, port in enumerate(self.ports):
            process = self.processes[index]
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
            replacement = self._spawn(f"{self._kind(index)}-{index}-restarted", self._server_command(index, port))
            self.processes[index] = replacement
            _wait_for_port(port, replacement)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.tmp.cleanup()

    def tail_logs(self, lines: int = 30) -> str:
        out = []
        for log in self.logs:
            if log.exists():
                out.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)
