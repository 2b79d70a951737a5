"""What runs beside the load: timed database and Redis round trips, and the servers' memory and CPU."""

import array
import os
import threading
import time
from urllib.parse import urlparse

import psutil


class Prober(threading.Thread):
    """Every `interval` seconds, times `SELECT 1` and a read of one auction row (PostgreSQL), and `PING` and a
    `GET` (Redis), each over its own connection. Round trips from outside the servers, as a client sees them."""

    def __init__(self, *, database_url: str, redis_url: str, auction_id: int, interval: float = 0.1):
        super().__init__(name="bench-prober", daemon=True)
        self.database_url, self.redis_url, self.auction_id, self.interval = (
            database_url,
            redis_url,
            auction_id,
            interval,
        )
        self.samples = {name: array.array("d") for name in ("db_select1", "db_auction_row", "redis_ping", "redis_get")}
        self.errors = 0
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg
        import redis

        parsed = urlparse(self.database_url)
        db = psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname=parsed.path.lstrip("/"),
            autocommit=True,
        )
        cache = redis.Redis.from_url(self.redis_url)
        row = "SELECT id, status, current_price, ends_at FROM auctions_auction WHERE id = %s"
        probes = (
            ("db_select1", lambda: db.execute("SELECT 1").fetchone()),
            ("db_auction_row", lambda: db.execute(row, (self.auction_id,)).fetchone()),
            ("redis_ping", cache.ping),
            ("redis_get", lambda: cache.get("bench:probe")),
        )
        try:
            while not self.halt.is_set():
                for name, probe in probes:
                    started = time.perf_counter()
                    try:
                        probe()
                    except Exception:
                        self.errors += 1
                        continue
                    self.samples[name].append((time.perf_counter() - started) * 1000)
                self.halt.wait(self.interval)
        finally:
            db.close()
            cache.close()

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)


def service_pids(redis_url: str) -> dict[str, int]:
    """The PostgreSQL postmaster (its backends are its children, so their CPU counts too) and the Redis server on
    the bench's port, when they run on this machine: the servers' share of the box belongs in the accounting."""
    port = str(urlparse(redis_url).port or 6379)
    found = {}
    for process in psutil.process_iter(["name", "ppid", "cmdline"]):
        try:
            name, cmdline = process.info["name"] or "", " ".join(process.info["cmdline"] or [])
            if name == "postgres" and psutil.Process(process.info["ppid"]).name() != "postgres":
                found.setdefault("postgresql", process.pid)
            elif name.startswith("redis-server") and f":{port}" in cmdline:
                found.setdefault("redis", process.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


class Monitor(threading.Thread):
    """Once a second: RSS and CPU of every server process (children included: Celery's pool, nginx's workers),
    of the load generators, and of the whole machine."""

    def __init__(self, roles: dict[str, int], interval: float = 1.0):
        super().__init__(name="bench-monitor", daemon=True)
        self.interval = interval
        self.roles = dict(roles)
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.series: list[dict] = []
        self.marks: dict[str, float] = {}
        self.processes: dict[str, psutil.Process] = {}
        for name, pid in roles.items():
            self.add(name, pid)

    def add(self, name: str, pid: int) -> None:
        with self.lock:
            try:
                self.processes[name] = psutil.Process(pid)
            except psutil.NoSuchProcess:
                return

    @staticmethod
    def _tree(process: psutil.Process) -> list[psutil.Process]:
        try:
            return [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def sample(self) -> dict:
        now = time.time()
        entry = {"t": now, "load1": os.getloadavg()[0], "cpu_machine": psutil.cpu_percent(None), "roles": {}}
        with self.lock:
            processes = dict(self.processes)
        for name, process in processes.items():
            rss = cpu = 0.0
            for member in self._tree(process):
                try:
                    with member.oneshot():
                        rss += member.memory_info().rss
                        times = member.cpu_times()
                        cpu += times.user + times.system + times.children_user + times.children_system
                except psutil.NoSuchProcess:
                    continue
            entry["roles"][name] = {"rss_mb": round(rss / 2**20, 1), "cpu_s": round(cpu, 3)}
        return entry

    def run(self) -> None:
        psutil.cpu_percent(None)
        while not self.halt.is_set():
            sample = self.sample()
            with self.lock:
                self.series.append(sample)
            self.halt.wait(self.interval)

    def mark(self, name: str) -> dict:
        """Record a moment (e.g. 'before_connect') and return a fresh sample for it."""
        sample = self.sample()
        self.marks[name] = sample["t"]
        with self.lock:
            self.series.append(sample)
        return sample

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)

    def between(self, start: str, end: str) -> dict:
        """Per role: CPU use (% of one core) between two marks, and peak RSS over the run."""
        with self.lock:
            series = list(self.series)
        t0, t1 = self.marks[start], self.marks[end]
        window = [s for s in series if t0 <= s["t"] <= t1]
        out = {}
        if len(window) < 2:
            return out
        first, last = window[0], window[-1]
        span = last["t"] - first["t"]
        for name in last["roles"]:
            if name not in first["roles"]:
                continue
            used = last["roles"][name]["cpu_s"] - first["roles"][name]["cpu_s"]
            out[name] = {
                "cpu_percent_of_core": round(100 * used / span, 1) if span else None,
                "rss_mb_peak": max(s["roles"][name]["rss_mb"] for s in series if name in s["roles"]),
                "rss_mb_end": last["roles"][name]["rss_mb"],
            }
        machine = [s["cpu_machine"] for s in window[1:]]
        out["machine"] = {
            "cpu_percent_mean": round(sum(machine) / len(machine), 1) if machine else None,
            "load1_max": max(s["load1"] for s in window),
        }
        return out
