"""Command line: `python -m bench run [--scenario a|b|c|d|smoke] [overrides]`. See bench/README.md."""

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bench.exclusive import exclusive


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    auctions: int
    sockets: int  # in all, bidders included
    bidders_per_auction: int
    duration: float  # seconds of bidding
    workers: int  # load-generator processes
    servers: int = 2  # the socket pool's processes (uvicorn, or --server daphne)
    rest_servers: int = 1  # the REST pool's daphne processes (0: the socket pool serves REST too)
    browsers: int = 0  # REST browsing loops, in all
    rest_bid_share: float = 0.2  # share of bids sent over REST instead of the socket
    bid_delay_min: float = 1.0  # a bidder who is not the highest bids after uniform(min, max) seconds
    bid_delay_max: float = 3.0
    think_min: float = 1.0  # a browser's pause between rounds of three pages
    think_max: float = 3.0
    serial_interval: float = 0.5  # one-at-a-time connect probes: one every this many seconds per load process
    connect_concurrency: int = 200  # handshakes in flight at once, in all (the burst)
    hot_seconds: float = 0  # > 0: the auction ends this many seconds after bidding starts (scenario c)
    extension_window: int = 300
    drain: float = 3.0  # after the bidding: wait until no socket has heard a room event for this long
    start_price: int = 1_000_000
    closing_auctions: int = 0  # lots no socket watches that end a second into the bidding, so that closes run


SCENARIOS = {
    "a": Scenario(
        name="a",
        description="1,000 sockets over 100 auctions, steady bidding",
        auctions=100,
        sockets=1000,
        bidders_per_auction=2,
        duration=60,
        workers=2,
        browsers=10,
    ),
    "b": Scenario(
        name="b",
        description="10,000 sockets over 100 auctions, 20 bids/s",
        auctions=100,
        sockets=10_000,
        bidders_per_auction=2,
        duration=60,
        workers=4,
        servers=2,
        browsers=0,
        connect_concurrency=256,
        # A room's two bidders take turns, each bidding 4-6 s after being outbid: 100 rooms, 20 bids a second.
        bid_delay_min=4.0,
        bid_delay_max=6.0,
    ),
    "e": Scenario(
        name="e",
        description="one lot, 5,000 watchers, 2 bids/s",
        auctions=1,
        sockets=5000,
        bidders_per_auction=2,
        duration=60,
        workers=4,
        servers=2,
        connect_concurrency=256,
        bid_delay_min=0.3,
        bid_delay_max=0.7,
    ),
    "c": Scenario(
        name="c",
        description="one hot auction in its last minute: 1,000 watchers and 50 bidders, extensions",
        auctions=1,
        sockets=1050,
        bidders_per_auction=50,
        duration=60,
        workers=2,
        browsers=4,
        bid_delay_min=1.0,
        bid_delay_max=8.0,
        hot_seconds=60,
        extension_window=15,
    ),
    "smoke": Scenario(
        name="smoke",
        description="20 sockets over 2 auctions for a few seconds (the test suite's run)",
        auctions=2,
        sockets=20,
        bidders_per_auction=2,
        duration=4,
        workers=2,
        browsers=1,
        bid_delay_min=0.1,
        bid_delay_max=0.4,
        think_min=0.2,
        think_max=0.5,
        serial_interval=0.5,
        connect_concurrency=20,
        drain=2.0,
        closing_auctions=1,
    ),
}
# (d) is (b) with REST clients browsing the catalogue at the same time.
SCENARIOS["d"] = replace(
    SCENARIOS["b"],
    name="d",
    description="REST browsing while (b) runs: 10,000 sockets over 100 auctions and 30 browsing clients",
    browsers=30,
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one scenario and print the table")
    run.add_argument("--scenario", choices=sorted(SCENARIOS), default="a", help="a (default), b, c, d, e or smoke")
    for field in fields(Scenario):
        if field.name in ("name", "description"):
            continue
        run.add_argument(
            "--" + field.name.replace("_", "-"),
            type=float if field.type in (float, "float") else int,
            default=None,
            help=f"override the scenario's {field.name}",
        )
    run.add_argument(
        "--nginx",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="put nginx in front (default: when the nginx binary is installed)",
    )
    run.add_argument(
        "--upstream",
        choices=["unix", "tcp"],
        default="unix",
        help="how nginx reaches the socket pool: a Unix socket per process (config.serve --uds, the platform's "
        "recipe on one machine) or loopback TCP, to compare",
    )
    run.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/umaseri_bench_load")
    run.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
        help="a Redis database for the bench alone: it is flushed at the start",
    )
    run.add_argument(
        "--channel-layer",
        choices=["pubsub", "core"],
        default="pubsub",
        help="pubsub: the platform's RedisPubSubChannelLayer; core: channels_redis' list-based layer, to compare",
    )
    run.add_argument("--channel-capacity", type=int, default=None, help="CHANNEL_LAYER_CAPACITY for the servers")
    run.add_argument(
        "--channel-max-connections",
        type=int,
        default=None,
        help="Redis connections per process for the channel layer (redis-py's asyncio pool defaults to 100)",
    )
    run.add_argument(
        "--server",
        choices=["daphne", "uvicorn", "bare"],
        default="uvicorn",
        help="the ASGI server of the socket pool (the platform's is uvicorn; the REST pool is daphne); bare: "
        "bench.bare alone, one bare websockets process without the platform (the baseline)",
    )
    run.add_argument(
        "--rest-server",
        choices=["daphne", "uvicorn"],
        default="daphne",
        help="the ASGI server of the REST pool (the platform's is daphne)",
    )
    run.add_argument(
        "--baseline",
        action="store_true",
        help="first run the same scenario against the bare server (bench.bare), then the platform, and give the "
        "platform's figures as ratios to the bare server's measured in the same run",
    )
    run.add_argument(
        "--server-gc",
        choices=["platform", "untuned"],
        default="platform",
        help="platform: config/asgi.py's gc.freeze() and thresholds; untuned: Python's defaults, to see what they buy",
    )
    run.add_argument("--asgi-threads", type=int, default=None, help="ASGI_THREADS: daphne's thread pool size")
    run.add_argument(
        "--switch-interval-ms",
        type=float,
        default=None,
        help="SWITCH_INTERVAL_MS of the server processes (config/serve.py): Python's GIL switch interval",
    )
    run.add_argument(
        "--ws-ping-interval",
        type=float,
        default=None,
        help="WS_PING_INTERVAL_SECONDS of the server processes (config/serve.py): keepalive pings, 0 for none",
    )
    run.add_argument(
        "--ws-bid-processes",
        type=int,
        default=None,
        help="WS_BID_PROCESSES of the servers: processes of its own in which each socket server places its "
        "sockets' bids (bidding/bid_processes.py); 0: its thread pool",
    )
    run.add_argument("--db-pool", type=int, default=None, help="psycopg connection pool of this size per process")
    run.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker processes")
    run.add_argument(
        "--nginx-workers",
        type=int,
        default=None,
        help="nginx worker processes (default: one per 8,000 sockets; each holds two descriptors a socket, and a "
        "process here may open 20,000)",
    )
    run.add_argument(
        "--offer-deflate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="clients offer permessage-deflate, as browsers do (the server decides)",
    )
    run.add_argument(
        "--loadgen-nice",
        type=int,
        default=0,
        help="lower the load processes' nice value by this much (root only), so that they get a core before the "
        "servers: the 10,000 phones are elsewhere in a real sale, and the figures then read the servers' delays "
        "rather than the observer's own wait for a core",
    )
    run.add_argument("--keep", action="store_true", help="keep the database and the server logs")
    run.add_argument("--no-plot", action="store_true")
    run.add_argument("--output", default=None, help="JSON file (default: bench/results/<scenario>-<time>.json)")
    run.add_argument("--label", default="", help="a note stored with the results (what was changed)")
    return top


def scenario_from(args) -> Scenario:
    scenario = SCENARIOS[args.scenario]
    overrides = {
        field.name: getattr(args, field.name)
        for field in fields(Scenario)
        if field.name not in ("name", "description") and getattr(args, field.name, None) is not None
    }
    return replace(scenario, **overrides)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    with exclusive(args.database_url, args.redis_url):
        _run(args)


def _run(args) -> None:
    from bench.run import run

    if args.nginx is None:
        args.nginx = shutil.which("nginx") is not None or os.path.exists("/usr/sbin/nginx")
    scenario = scenario_from(args)
    if args.nginx_workers is None:
        args.nginx_workers = max(1, -(-scenario.sockets // 8000))
    baseline = None
    if args.baseline or args.server == "bare":
        output = args.output
        if output and args.server != "bare":
            output = str(Path(output).with_name(Path(output).stem + "-bare.json"))
        bare_args = argparse.Namespace(**{**vars(args), "server": "bare", "nginx": False, "output": output})
        if args.baseline:
            bare_args.label = f"baseline for: {args.label}" if args.label else "baseline"
        # One process, no REST: a bare broadcast server has no channel layer to span processes, and no API.
        bare_scenario = replace(scenario, servers=1, rest_servers=0, browsers=0, rest_bid_share=0.0)
        baseline = run(bare_scenario, bare_args)
        if args.server == "bare":
            sys.exit(0 if not baseline["errors"] else 1)
    results = run(scenario, args, baseline=baseline)
    sys.exit(0 if not results["errors"] else 1)
