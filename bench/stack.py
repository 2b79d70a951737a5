"""The server side of a benchmark run: its own database, a socket pool of K server processes (uvicorn, as
production runs it) and a REST pool of daphne processes, a Celery worker and beat, nginx routing `/ws/` to the
one and the rest to the other.

Everything here is started by the bench and stopped by it; nothing touches a database or Redis DB it was not
given.
"""

import http.client
import os
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "umaseri.conf.template"


def raise_file_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit, for this process and every child it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A server process's address: a port on 127.0.0.1, or the path of a Unix socket.
Address = int | Path


def _connect(address: Address, timeout: float) -> socket.socket:
    if isinstance(address, int):
        return socket.create_connection(("127.0.0.1", address), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(address))
    except OSError:
        sock.close()
        raise
    return sock


def wait_for_port(address: Address, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited early with {process.returncode}: {' '.join(process.args)}")
        try:
            with _connect(address, timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {address} after {timeout}s")


class _Connection(http.client.HTTPConnection):
    """http.client to a server process at either kind of address."""

    def __init__(self, address: Address, timeout: float):
        super().__init__("127.0.0.1", address if isinstance(address, int) else None, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = _connect(self.address, self.timeout)


def http_get(address: Address, path: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
    """GET `path` from one server process: its status and body."""
    connection = _Connection(address, timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def nginx_upstreams(addresses: list[Address]) -> str:
    """nginx's `server` lines of one upstream block."""
    servers = (f"127.0.0.1:{address}" if isinstance(address, int) else f"unix:{address}" for address in addresses)
    return "\n    ".join(f"server {server} max_fails=0;" for server in servers)


# --- the throwaway database ------------------------------------------------------------------------------


def _admin(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    )


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def database_create(url: str) -> None:
    name = database_name(url)
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing an unusual database name: {name!r}")
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


# --- the servers -----------------------------------------------------------------------------------------


class Stack:
    """The socket pool (`ws-0..K-1`) and the REST pool (`rest-0..R-1`) on 127.0.0.1, a Celery worker, Celery beat
    and, optionally, nginx in front. With R = 0 the socket pool serves REST too (one pool, as `make run` does)."""

    def __init__(
        self,
        *,
        env: dict,
        servers: int,
        nginx: bool,
        worker_concurrency: int,
        server_gc: str,
        nginx_workers: int = 1,
        server: str = "uvicorn",
        rest_servers: int = 1,
        rest_server: str = "daphne",
        upstream: str = "unix",
    ):
        # Every process serves /metrics behind this token alone (no address is let in without it).
        self.metrics_token = secrets.token_urlsafe(32)
        env = dict(env, METRICS_TOKEN=self.metrics_token, METRICS_ALLOWED_NETWORKS="")
        self.env, self.server_count, self.use_nginx = env, servers, nginx
        self.worker_concurrency, self.server_gc, self.nginx_workers = worker_concurrency, server_gc, nginx_workers
        self.server, self.rest_count, self.rest_server = server, rest_servers, rest_server
        self.tmp = Path(tempfile.mkdtemp(prefix="umaseri-bench-"))
        # Behind nginx the socket pool listens on Unix sockets (`--upstream unix`), as config.serve --uds; else on
        # ports, where the load generator connects to each directly.
        self.unix_upstream = nginx and upstream == "unix" and server != "bare"
        self.ports: list[Address] = []  # the socket pool
        self.rest_ports: list[int] = []
        self.nginx_port: int | None = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.worker_metrics_port: int | None = None

    # The roles the monitor watches, by name: ws-0..K-1, rest-0..R-1, worker, beat, nginx.
    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 (commands built here, not from input)
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    @property
    def bare(self) -> bool:
        """The baseline (bench.bare): one bare websockets process, none of the platform around it."""
        return self.server == "bare"

    @property
    def bare_users(self) -> Path:
        return self.tmp / "bare-users.json"

    @property
    def bare_truth(self) -> Path:
        return self.tmp / "bare-truth.json"

    def server_command(self, address: Address, kind: str) -> list[str]:
        if kind == "bare":
            return [
                sys.executable,
                "-m",
                "bench.bare",
                "-p",
                str(address),
                "--users",
                str(self.bare_users),
                "--truth",
                str(self.bare_truth),
            ]
        # bench.serve is config.serve with the collector timed (and untuned with --server-gc untuned).
        args = [sys.executable, "-m", "bench.serve", "--server", kind]
        args += ["-b", "127.0.0.1", "-p", str(address)] if isinstance(address, int) else ["--uds", str(address)]
        if self.use_nginx:
            args.append("--proxy-headers")
        return args

    def server_names(self) -> list[str]:
        return [f"ws-{index}" for index in range(self.server_count)] + [
            f"rest-{index}" for index in range(self.rest_count)
        ]

    def start_servers(self) -> None:
        """The servers first: they touch no table at start-up, so they can boot while the database is seeded."""
        server_env = dict(self.env, BENCH_SERVER_GC=self.server_gc)
        for index in range(self.server_count):
            self.ports.append(self.tmp / f"ws-{index}.sock" if self.unix_upstream else free_port())
            self._spawn(f"ws-{index}", self.server_command(self.ports[-1], self.server), env=server_env)
        for index in range(self.rest_count):
            self.rest_ports.append(free_port())
            self._spawn(f"rest-{index}", self.server_command(self.rest_ports[-1], self.rest_server), env=server_env)

    def start_rest(self) -> "Stack":
        """The Celery worker and beat (they query the tables at once), nginx, and wait for all of it."""
        if self.bare:
            for name, port in zip(self.server_names(), self.ports, strict=True):
                wait_for_port(port, self.processes[name])
            return self
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        # The worker's pool children record into a directory of its own; its main process serves the sum.
        self.worker_metrics_port = free_port()
        worker_env = dict(
            self.env,
            WORKER_METRICS_PORT=str(self.worker_metrics_port),
            PROMETHEUS_MULTIPROC_DIR=str(self.tmp / "prometheus-worker"),
        )
        self._spawn(
            "worker",
            [
                *celery,
                "worker",
                f"--concurrency={self.worker_concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            env=worker_env,
        )
        self._spawn("beat", [*celery, "beat", "-l", "warning", "-s", str(self.tmp / "beat-schedule")])
        for name, port in zip(self.server_names(), self.ports + self.rest_ports, strict=True):
            wait_for_port(port, self.processes[name])
        if self.use_nginx:
            self._start_nginx()
        self._wait_for_worker()
        return self

    def _wait_for_worker(self, timeout: float = 90) -> None:
        log = self.tmp / "worker.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["worker"].poll() is not None:
                raise RuntimeError("the Celery worker exited:\n" + self.tail("worker"))
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise TimeoutError("the Celery worker did not become ready:\n" + self.tail("worker"))

    def nginx_config(self, port: int) -> str:
        site = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(
            UMASERI_UPSTREAMS=nginx_upstreams(self.http_ports()),
            UMASERI_WS_UPSTREAMS=nginx_upstreams(self.ports),
            # reuseport: the kernel spreads new connections over the workers, so none hits its descriptor limit first
            UMASERI_LISTEN=f"127.0.0.1:{port} reuseport",
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = self.tmp / "nginx-temp"
        return (
            f"{user}worker_processes {self.nginx_workers};\n"
            f"worker_rlimit_nofile {resource.getrlimit(resource.RLIMIT_NOFILE)[1]};\n"
            f"pid {self.tmp / 'nginx.pid'};\n"
            f"error_log {self.tmp / 'nginx-error.log'} warn;\n"
            "daemon off;\n"
            "events { worker_connections 30000; multi_accept on; }\n"
            "http {\n"
            "    access_log off;\n"
            f"    client_body_temp_path {temp}/body;\n"
            f"    proxy_temp_path {temp}/proxy;\n"
            f"    fastcgi_temp_path {temp}/fastcgi;\n"
            f"    uwsgi_temp_path {temp}/uwsgi;\n"
            f"    scgi_temp_path {temp}/scgi;\n"
            f"{site}\n"
            "}\n"
        )

    def _start_nginx(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx_port = free_port()
        (self.tmp / "nginx-temp").mkdir()
        config = self.tmp / "nginx.conf"
        config.write_text(self.nginx_config(self.nginx_port))
        process = self._spawn("nginx", [binary, "-p", str(self.tmp), "-c", str(config)])
        try:
            wait_for_port(self.nginx_port, process)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.tail('nginx')}") from None

    # --- addresses ---------------------------------------------------------------------------------------

    def http_ports(self) -> list[Address]:
        return self.rest_ports or self.ports

    def addresses(self) -> dict[str, Address]:
        """Each server process's address, by the names the monitor uses."""
        return dict(zip(self.server_names(), self.ports + self.rest_ports, strict=True))

    def entry_points(self) -> list[tuple[str, int]]:
        """Where sockets connect: nginx, or the socket pool's ports round robin."""
        if self.use_nginx:
            return [("127.0.0.1", self.nginx_port)]
        return [("127.0.0.1", port) for port in self.ports]

    def rest_entry_points(self) -> list[tuple[str, int]]:
        """Where REST requests go: nginx, or the REST pool's ports round robin."""
        if self.use_nginx:
            return [("127.0.0.1", self.nginx_port)]
        return [("127.0.0.1", port) for port in self.http_ports()]

    def metrics_addresses(self) -> dict[str, Address]:
        """Where each process serves /metrics (the worker's main process on a port of its own)."""
        addresses = self.addresses()
        if self.worker_metrics_port:
            addresses["worker"] = self.worker_metrics_port
        return addresses

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items() if process.poll() is None}

    def signal_servers(self, signum: int) -> None:
        for name, process in self.processes.items():
            if name in self.server_names() and process.poll() is None:
                os.kill(process.pid, signum)

    def dead(self) -> list[str]:
        return [f"{name} exited with {p.returncode}" for name, p in self.processes.items() if p.poll() is not None]

    def tail(self, name: str, lines: int = 40) -> str:
        log = self.tmp / f"{name}.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def log_errors(self) -> dict[str, list[str]]:
        """Lines of each log that look like trouble (tracebacks, errors, dropped channel messages)."""
        found = {}
        for log in sorted(self.tmp.glob("*.log")):
            hits = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if any(word in line for word in ("Traceback", "ERROR", "CRITICAL", "Exception", "full", "[error]"))
            ]
            if hits:
                found[log.stem] = hits[:20] + ([f"... {len(hits) - 20} more"] if len(hits) > 20 else [])
        return found

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
