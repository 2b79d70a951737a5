"""The fault suite's own PostgreSQL cluster and Redis server: started from the Debian binaries on free ports of
127.0.0.1, in temporary directories, stopped and started again by the tests, removed at the end. The shared
servers on 5432 and 6379 are never touched."""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live_stack import free_port


class MissingBinary(RuntimeError):
    pass


def _binary(name: str, *fallback_globs: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted((path for pattern in fallback_globs for path in glob.glob(pattern)), reverse=True)
    if not candidates:
        raise MissingBinary(f"{name} not found (apt-get install postgresql redis-server)")
    return candidates[0]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PostgresCluster:
    """A throwaway cluster: trust authentication on 127.0.0.1 only, fsync off. As root, initdb and postgres run as
    the `postgres` user (PostgreSQL refuses to run as root), in a directory that user owns."""

    def __init__(self, *, database: str = "umaseri_faults"):
        self.initdb = _binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
        self.pg_ctl = _binary("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")
        self.database = database
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="umaseri-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [*(("runuser", "-u", "postgres", "--") if self.as_root else ()), *args]
        subprocess.run(command, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def create(self) -> "PostgresCluster":
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            timeout=120,
        )
        self.start()
        import psycopg

        with psycopg.connect(self.admin_dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        return self

    def admin_dsn(self, database: str | None = None) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database or self.database} connect_timeout=3"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: as a crash would, every connection cut at once (the outage)."""
        if (self.data / "postmaster.pid").exists():
            self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def tail_log(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class RedisServer:
    """A Redis server of the suite's own, with no persistence: a restart comes back empty, as after a crash."""

    def __init__(self):
        self.binary = _binary("redis-server")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="umaseri-faults-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not _listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on {self.port}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
