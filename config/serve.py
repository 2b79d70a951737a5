"""The ASGI server command: `python -m config.serve [--server daphne|uvicorn] [--bind HOST] [--port PORT]
[--uds PATH] [--proxy-headers]`.

One application, two servers, chosen per process group (ASGI_SERVER, or --server):
- daphne (the default) serves REST, the admin and the SPA, and sockets where one process does everything
  (`make run`);
- uvicorn serves the socket pool (docker-compose's `ws`): its websockets protocol (the Sans-I/O one, on uvloop)
  writes each frame straight to the transport, where daphne's twisted reactor registers and unregisters every
  socket for writing around each message. With 10,000 sockets, a room event costs a third of daphne's CPU
  (bench/RESULTS.md, issue 14). permessage-deflate stays off, as daphne never negotiates it: a compressor per
  socket costs far more memory than the bytes it saves on small JSON messages.
"""

import argparse
import math
import os
import sys

SERVERS = ("daphne", "uvicorn")
APPLICATION = "config.asgi:application"
# Keepalive pings, both servers' default: a peer that answers none within the timeout is dropped, and a socket that
# hears nothing else (no room joined) still crosses a proxy's idle timeout. 0 sends none.
PING_INTERVAL_SECONDS = 20
PING_TIMEOUT_SECONDS = 20


def ping_seconds() -> tuple[float, float]:
    """WS_PING_INTERVAL_SECONDS and WS_PING_TIMEOUT_SECONDS, or the defaults."""
    try:
        interval = float(os.environ.get("WS_PING_INTERVAL_SECONDS") or PING_INTERVAL_SECONDS)
        timeout = float(os.environ.get("WS_PING_TIMEOUT_SECONDS") or PING_TIMEOUT_SECONDS)
    except ValueError:
        interval = timeout = -1.0
    if not (interval >= 0 and timeout > 0):
        raise SystemExit(
            "WS_PING_INTERVAL_SECONDS must be a number of seconds, 0 or more, and WS_PING_TIMEOUT_SECONDS one above 0"
        )
    return interval, timeout


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m config.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=SERVERS, default=os.environ.get("ASGI_SERVER", "daphne"))
    parser.add_argument("--bind", "-b", default=os.environ.get("DAPHNE_HOST", "127.0.0.1"))
    parser.add_argument("--port", "-p", type=int, default=int(os.environ.get("DAPHNE_PORT", "8000")))
    parser.add_argument(
        "--uds",
        metavar="PATH",
        help="listen on this Unix socket instead of --bind/--port, for nginx on the same machine (a frame costs the "
        "socket pool about 10%% less CPU than over loopback TCP: bench/RESULTS.md)",
    )
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="take the client's address from X-Forwarded-For (behind nginx only; FORWARDED_ALLOW_IPS for uvicorn)",
    )
    parser.add_argument("application", nargs="?", default=APPLICATION)
    return parser.parse_args(argv)


def run_daphne(args: argparse.Namespace) -> None:
    from daphne.cli import CommandLineInterface

    interval, timeout = ping_seconds()
    # daphne takes whole seconds, and has no "never": an interval longer than any sale stands for it.
    where = ["--unix-socket", args.uds] if args.uds else ["--bind", args.bind, "--port", str(args.port)]
    argv = [*where, "--ping-interval", str(math.ceil(interval) or 10**9)]
    argv += ["--ping-timeout", str(math.ceil(timeout))]
    if args.proxy_headers:
        argv.append("--proxy-headers")
    sys.argv[0] = "daphne"
    CommandLineInterface().run([*argv, args.application])


def run_uvicorn(args: argparse.Namespace) -> None:
    import uvicorn

    interval, timeout = ping_seconds()
    uvicorn.run(
        args.application,
        host=args.bind,
        port=args.port,
        uds=args.uds,
        ws="websockets-sansio",
        loop="uvloop",
        http="httptools",
        ws_per_message_deflate=False,
        ws_ping_interval=interval or None,
        ws_ping_timeout=timeout,
        lifespan="off",
        access_log=False,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips(args),
        log_level=os.environ.get("UVICORN_LOG_LEVEL", "warning"),
    )


def forwarded_allow_ips(args: argparse.Namespace) -> str:
    """Whose X-Forwarded-For uvicorn believes: FORWARDED_ALLOW_IPS, else nginx's loopback address, or, on a Unix
    socket, everyone's. A peer on a Unix socket has no address, so uvicorn would believe none; and only what may
    open the socket's file (nginx on this machine) can connect to it at all, as only nginx reaches compose's `ws`."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "*" if args.uds else "127.0.0.1")


def switch_interval() -> None:
    """SWITCH_INTERVAL_MS: how long a thread may hold the GIL before another that waits gets it (Python's default
    5 ms). The bids and joins run in a thread pool beside the event loop; each of their queries gives the GIL up
    and must wait for it again, behind a loop that is writing to thousands of sockets."""
    if milliseconds := os.environ.get("SWITCH_INTERVAL_MS"):
        sys.setswitchinterval(float(milliseconds) / 1000)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    switch_interval()
    args = arguments(sys.argv[1:] if argv is None else argv)
    (run_uvicorn if args.server == "uvicorn" else run_daphne)(args)


if __name__ == "__main__":
    main()
