"""The orchestrator: database, servers, load generators, probes; then the figures (bench.report)."""

import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import metrics, report
from bench.cli import Scenario
from bench.probes import Monitor, Prober, service_pids
from bench.stack import ROOT, Stack, database_create, database_drop, http_get, raise_file_limit

RESULTS = ROOT / "bench" / "results"
PROBE_USERS = 20


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def server_env(scenario: Scenario, args, run_id: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TEST_DB"))}
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        BID_RATE_LIMIT_PER_MINUTE="1000000",
        API_RATE_LIMIT="100000000/min",
        JWT_ACCESS_SECONDS=str(24 * 3600),
        CHANNEL_LAYER_PREFIX=f"bench{run_id}",
        CACHE_KEY_PREFIX=f"bench{run_id}",
        BENCH_CHANNEL_LAYER=args.channel_layer,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        NUM_PROXIES="1" if args.nginx else "0",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    if args.channel_capacity:
        env["CHANNEL_LAYER_CAPACITY"] = str(args.channel_capacity)
    if args.asgi_threads:
        env["ASGI_THREADS"] = str(args.asgi_threads)
    if args.switch_interval_ms is not None:
        env["SWITCH_INTERVAL_MS"] = str(args.switch_interval_ms)
    if args.ws_ping_interval is not None:
        env["WS_PING_INTERVAL_SECONDS"] = str(args.ws_ping_interval)
    if args.ws_bid_processes is not None:
        env["WS_BID_PROCESSES"] = str(args.ws_bid_processes)
    if args.db_pool:
        env["BENCH_DB_POOL"] = str(args.db_pool)
    if args.channel_max_connections:
        env["BENCH_CHANNEL_MAX_CONNECTIONS"] = str(args.channel_max_connections)
    return env


def seed(scenario: Scenario, env: dict) -> dict:
    bidders = scenario.auctions * scenario.bidders_per_auction
    plan = {
        "auctions": scenario.auctions,
        "closing_auctions": scenario.closing_auctions,
        "bidders": bidders,
        "watchers": scenario.sockets - bidders,
        "probe_users": PROBE_USERS,
        "start_price": scenario.start_price,
        "extension_window_seconds": scenario.extension_window,
        "auction_seconds": 4 * 3600,
    }
    if plan["watchers"] < 0:
        raise SystemExit(f"{scenario.sockets} sockets cannot hold {bidders} bidders")
    with tempfile.TemporaryDirectory() as tmp:
        plan_path, out_path = Path(tmp) / "plan.json", Path(tmp) / "seed.json"
        plan_path.write_text(json.dumps(plan))
        subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.djangoside", str(plan_path), str(out_path)], cwd=ROOT, env=env, check=True
        )
        return json.loads(out_path.read_text())


def socket_specs(scenario: Scenario, seeded: dict) -> list[dict]:
    """Sockets room by room: the first `bidders_per_auction` of each room bid, the rest watch."""
    auctions, bidders, watchers = seeded["auctions"], iter(seeded["bidders"]), iter(seeded["watchers"])
    per_room = [scenario.sockets // len(auctions)] * len(auctions)
    for extra in range(scenario.sockets % len(auctions)):
        per_room[extra] += 1
    rooms = []
    for auction_id, size in zip(auctions, per_room, strict=True):
        rooms.append(
            [
                {
                    "role": "bidder" if seat < scenario.bidders_per_auction else "watcher",
                    "auction_id": auction_id,
                    **_user(next(bidders) if seat < scenario.bidders_per_auction else next(watchers)),
                }
                for seat in range(size)
            ]
        )
    # Interleave the rooms, so that every room has sockets in every process and on every server.
    specs = [room[seat] for seat in range(max(per_room)) for room in rooms if seat < len(room)]
    for serial, spec in enumerate(specs):
        spec["serial"] = serial
    return specs


def _user(user: dict) -> dict:
    return {"user_id": user["id"], "paddle": user["paddle"], "token": user["token"]}


def run(scenario: Scenario, args, baseline: dict | None = None) -> dict:
    """One scenario against the stack `args` describe. `baseline`: the same scenario's results against the bare
    server (bench.bare), run just before: the figures are then also given as ratios to it."""
    bare = args.server == "bare"
    soft, hard = raise_file_limit()
    run_id = time.strftime("%Y%m%d-%H%M%S")
    results: dict = {
        "scenario": scenario.name,
        "description": scenario.description,
        "label": args.label,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            **{key: value for key, value in vars(scenario).items()},
            "nginx": args.nginx,
            "upstream": args.upstream if args.nginx else None,
            "channel_layer": args.channel_layer,
            "channel_capacity": args.channel_capacity or "settings default",
            "channel_max_connections": args.channel_max_connections or "redis-py default",
            "server": args.server,
            "rest_server": args.rest_server,
            "nginx_workers": args.nginx_workers,
            "server_gc": args.server_gc,
            "asgi_threads": args.asgi_threads or "default",
            "switch_interval_ms": args.switch_interval_ms or "Python's default (5)",
            "ws_bid_processes": "the platform's default" if args.ws_bid_processes is None else args.ws_bid_processes,
            "ws_ping_interval": "the servers' default (20)" if args.ws_ping_interval is None else args.ws_ping_interval,
            "db_pool": args.db_pool or "platform default (DATABASE_POOL_MAX_SIZE)",
            "worker_concurrency": args.worker_concurrency,
            "offer_deflate": args.offer_deflate,
            "loadgen_nice": args.loadgen_nice,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "nofile_limit": [soft, hard],
        },
        "errors": [],
    }
    env = server_env(scenario, args, run_id.replace("-", ""))
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    log(f"scenario {scenario.name}: {scenario.description}; load average {os.getloadavg()[0]:.2f}")
    log(f"creating and seeding the database {args.database_url.rsplit('/', 1)[-1]}; starting the servers meanwhile")
    database_create(args.database_url)
    stack = monitor = prober = None
    processes: list[multiprocessing.Process] = []
    interrupted = True  # until the run gets to its end: then the load processes are given time to finish
    signal.signal(signal.SIGTERM, _interrupt)  # a kill tears the stack down too, as Ctrl-C does
    try:
        stack = Stack(
            env=env,
            servers=scenario.servers,
            nginx=args.nginx and not bare,
            upstream=args.upstream,
            worker_concurrency=args.worker_concurrency,
            server_gc=args.server_gc,
            nginx_workers=args.nginx_workers,
            server=args.server,
            rest_servers=scenario.rest_servers,
            rest_server=args.rest_server,
        )
        stack.start_servers()
        started = time.perf_counter()
        seeded = seed(scenario, env)
        results["setup"] = {"seed_seconds": round(time.perf_counter() - started, 1)}
        results["bid_query_count"] = seeded["bid_query_count"]
        specs = socket_specs(scenario, seeded)
        if bare:
            users = seeded["bidders"] + seeded["watchers"]
            stack.bare_users.write_text(json.dumps({user["token"]: user["paddle"] for user in users}))
        hot = seeded["auctions"][0] if scenario.hot_seconds else None
        pools = f"{scenario.servers} {args.server} (sockets) + {scenario.rest_servers} {args.rest_server} (REST)"
        log(f"{pools} started; now a Celery worker and beat" + (", nginx" if args.nginx else ""))
        stack.start_rest()
        results["setup"]["server_ports"] = [str(address) for address in stack.ports]
        results["setup"]["rest_server_ports"] = stack.rest_ports
        results["setup"]["nginx_port"] = stack.nginx_port
        if not bare:
            warm_up(stack)
        monitor = Monitor({**stack.pids(), **service_pids(args.redis_url)})
        monitor.start()

        entry = stack.entry_points()
        workers = max(1, min(scenario.workers, len(specs)))
        pipes = []
        context = multiprocessing.get_context("spawn")
        probe_tokens = [user["token"] for user in seeded["watchers"][-PROBE_USERS:]]
        # The load processes, then one more that holds no socket and only connects one at a time: a new phone's
        # connect, timed on a loop that is not also reading 2,500 sockets (the figure is the servers', not the
        # load generator's backlog).
        for index in range(workers + 1):
            probing = index == workers
            mine = [] if probing else specs[index::workers]
            plan = {
                "sockets": mine,
                "connect_probe": probing,
                "probe_loops": workers,
                "entry_points": entry,
                "rest_entry_points": stack.rest_entry_points(),
                "auction_ids": seeded["auctions"],
                "probe_tokens": probe_tokens,
                "serial_base": 1_000_000 * (index + 1),
                "connect_concurrency": max(1, scenario.connect_concurrency // workers),
                "connect_attempts": 5,
                "offer_deflate": args.offer_deflate,
                "bid_delay_min": scenario.bid_delay_min,
                "bid_delay_max": scenario.bid_delay_max,
                "rest_bid_share": scenario.rest_bid_share,
                "browsers": 0
                if probing
                else scenario.browsers // workers + (1 if index < scenario.browsers % workers else 0),
                "think_min": scenario.think_min,
                "think_max": scenario.think_max,
                "serial_interval": scenario.serial_interval if probing else 0,
                "rest_connections": 100,
                "nice": args.loadgen_nice,
            }
            parent, child = context.Pipe()
            from bench.loadgen import worker_main

            name = "loadgen-connect-probe" if probing else f"loadgen-{index}"
            process = context.Process(target=worker_main, args=(index, plan, child), name=f"bench-{name}")
            process.start()
            monitor.add(name, process.pid)
            processes.append(process)
            pipes.append(parent)

        settle = min(2.0, 0.5 + len(specs) / 5000)  # the servers' memory settles before each mark
        time.sleep(settle)
        monitor.mark("before_connect")
        log(f"opening {len(specs)} sockets from {workers} processes ({scenario.connect_concurrency} in flight)")
        connect_started = time.perf_counter()
        for pipe in pipes:
            pipe.send({"cmd": "connect"})
        connected = [receive(pipe, 600, processes) for pipe in pipes]
        results["connect_phase"] = {
            "seconds": round(time.perf_counter() - connect_started, 2),
            "sockets_wanted": len(specs),
            "sockets_connected": sum(c["connected"] for c in connected),
            "failed": sum(c["failed"] for c in connected),
            "failed_attempts_retried": sum(c["failed_attempts"] for c in connected),
            "errors": dict(sum((Counter(c["errors"]) for c in connected), Counter())),
            "negotiated_extensions": dict(sum((Counter(c["negotiated_extensions"]) for c in connected), Counter())),
        }
        rooms = Counter()
        for outcome in connected:
            rooms.update({int(k): v for k, v in outcome["joined"].items()})
        log(
            f"{results['connect_phase']['sockets_connected']} sockets joined in "
            f"{results['connect_phase']['seconds']} s ({results['connect_phase']['failed']} failed, "
            f"{results['connect_phase']['failed_attempts_retried']} refused attempts retried)"
        )
        time.sleep(settle)
        monitor.mark("after_connect")

        prober = Prober(database_url=args.database_url, redis_url=args.redis_url, auction_id=seeded["auctions"][0])
        prober.start()
        if hot and not bare:
            set_hot_deadline(args.database_url, hot, scenario.hot_seconds)
        for auction_id in [] if bare else seeded["closing_auctions"]:
            set_hot_deadline(args.database_url, auction_id, 1.0)
        t_start = time.time()
        t_end = t_start + scenario.duration
        monitor.mark("start")
        stack.signal_servers(signal.SIGUSR1)  # daphne's collector counts from here (bench.serve)
        log(f"bidding for {scenario.duration:.0f} s (load average {os.getloadavg()[0]:.2f})")
        for pipe in pipes:
            pipe.send({"cmd": "start", "t_start": t_start, "t_end": t_end})
        while time.time() < t_end:
            time.sleep(0.5)
            dead = stack.dead()
            if dead:
                results["errors"].extend(dead)
                break
        if hot and not bare:
            wait_for_close(args.database_url, hot, timeout=scenario.extension_window + 15)
        for auction_id in [] if bare else seeded["closing_auctions"]:
            wait_for_close(args.database_url, auction_id, timeout=30)
        results["drain_seconds"] = drain(pipes, processes, quiet=scenario.drain)
        monitor.mark("end")
        if bare:
            results["metrics"] = {}
            stack.bare_truth.unlink(missing_ok=True)
        else:
            log("scraping /metrics of every server process")
            results["metrics"] = metrics.scrape(stack, args.redis_url)
        stack.signal_servers(signal.SIGUSR1)  # bench.serve: the collector's line; bench.bare: its accepted bids
        results["machine"]["loadavg_end_of_run"] = [round(x, 2) for x in os.getloadavg()]
        prober.stop()
        for pipe in pipes:
            pipe.send({"cmd": "stop"})
        recorded = [receive(pipe, 300, processes) for pipe in pipes]
        log("collecting the figures")
        truth = bare_truth(stack) if bare else ground_truth(args.database_url, seeded["auctions"])
        results.update(
            report.figures(
                recorded=recorded,
                rooms=rooms,
                truth=truth,
                prober=prober,
                monitor=monitor,
                sockets=results["connect_phase"]["sockets_connected"],
                servers=scenario.servers,
                duration=scenario.duration,
                bidding=(t_start, t_end),
            )
        )
        results["server_log_problems"] = stack.log_errors()
        results["errors"].extend(stack.dead())
        if results["connect_phase"]["sockets_connected"] == 0:
            results["errors"].append("no socket connected")
        interrupted = False
    finally:
        for process in processes:
            process.join(timeout=1 if interrupted else 30)
            if process.is_alive():
                process.kill()
        if prober is not None and prober.is_alive():
            prober.stop()
        if monitor is not None:
            monitor.stop()
        if stack is not None:
            stack.stop()
            results["server_gc"] = gc_lines(stack)
            if args.keep:
                log(f"server logs kept in {stack.tmp}")
            else:
                stack.cleanup()
        if not args.keep:
            database_drop(args.database_url)
    results["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]

    RESULTS.mkdir(parents=True, exist_ok=True)
    output = Path(args.output) if args.output else RESULTS / f"{scenario.name}-{run_id}.json"
    results["targets"] = report.targets(results)
    if baseline is not None:
        results["baseline"] = report.beside_baseline(results, baseline)
    if not args.no_plot:
        results["plot"] = report.plot(results, output.with_suffix(".png"))
    output.write_text(json.dumps(results, indent=2, default=str))
    print(report.markdown(results))
    print(f"\nJSON: {output}" + (f"\nplot: {results['plot']}" if results.get("plot") else ""))
    return results


def drain(pipes, processes, *, quiet: float, limit: float = 120) -> float:
    """Wait until no socket has heard a room event for `quiet` seconds (at most `limit`), so that a late
    broadcast is counted as late, not as lost. Returns how long it took."""
    started = time.monotonic()
    time.sleep(quiet)
    while time.monotonic() - started < limit:
        for pipe in pipes:
            pipe.send({"cmd": "quiet?"})
        quiet_for = min(receive(pipe, 30, processes)["quiet_for"] for pipe in pipes)
        if quiet_for >= quiet:
            break
        time.sleep(quiet - quiet_for)
    return round(time.monotonic() - started, 1)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def receive(pipe, timeout: float, processes) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pipe.poll(1):
            return pipe.recv()
        dead = [p for p in processes if not p.is_alive() and p.exitcode not in (0, None)]
        if dead:
            raise RuntimeError(f"load generator {dead[0].name} died with {dead[0].exitcode}")
    raise TimeoutError(f"no answer from a load generator in {timeout}s")


def warm_up(stack: Stack) -> None:
    """One request per server, so the first measured request does not pay for lazy imports."""
    for address in stack.addresses().values():
        for path in ("/api/auctions/", "/api/horses/"):
            http_get(address, path)


def _connect(url: str):
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=parsed.path.lstrip("/"),
        autocommit=True,
    )


def set_hot_deadline(url: str, auction_id: int, seconds: float) -> None:
    """Scenario c: the hot auction's clock now says `seconds` left (fixture set-up, before any bid)."""
    with _connect(url) as db:
        db.execute(
            "UPDATE auctions_auction SET ends_at = clock_timestamp() + make_interval(secs => %s) WHERE id = %s",
            (seconds, auction_id),
        )


def wait_for_close(url: str, auction_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with _connect(url) as db:
        while time.monotonic() < deadline:
            (status,) = db.execute("SELECT status FROM auctions_auction WHERE id = %s", (auction_id,)).fetchone()
            if status != "active":
                return
            time.sleep(0.5)
    log(f"auction {auction_id} still open {timeout:.0f}s after the last bid")


def ground_truth(url: str, auctions: list[int]) -> dict:
    """What the servers must have delivered, from the database: every accepted bid, extension and close."""
    with _connect(url) as db:
        bids = db.execute("SELECT id, auction_id FROM bidding_bid WHERE auction_id = ANY(%s)", (auctions,)).fetchall()
        extensions = db.execute(
            "SELECT auction_id, count(*) FROM bidding_auditentry WHERE action = 'extend' AND auction_id = ANY(%s) "
            "GROUP BY auction_id",
            (auctions,),
        ).fetchall()
        ended = db.execute(
            "SELECT id FROM auctions_auction WHERE id = ANY(%s) AND status IN ('sold', 'unsold')", (auctions,)
        ).fetchall()
        sources = db.execute(
            "SELECT source, count(*) FROM bidding_bid WHERE auction_id = ANY(%s) GROUP BY source", (auctions,)
        ).fetchall()
    return {
        "bids": {bid_id: auction_id for bid_id, auction_id in bids},
        "extensions": dict(extensions),
        "ended": [row[0] for row in ended],
        "bids_by_source": dict(sources),
    }


def bare_truth(stack: Stack, timeout: float = 30) -> dict:
    """What the bare server accepted (it writes the file on SIGUSR1), in ground_truth's shape."""
    deadline = time.monotonic() + timeout
    while not stack.bare_truth.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the bare server wrote no account of its bids")
        time.sleep(0.1)
    truth = json.loads(stack.bare_truth.read_text())
    truth["bids"] = {int(bid_id): auction_id for bid_id, auction_id in truth["bids"].items()}
    return truth


def gc_lines(stack: Stack) -> dict:
    out = {}
    for name in stack.server_names():
        lines = [line for line in stack.tail(name, 100_000).splitlines() if "bench.serve gc" in line]
        if len(lines) >= 2:  # start-up to the start, then the run (then the exit, if it got that far)
            out[name] = lines[1].split("bench.serve gc: ", 1)[-1]
    return out
