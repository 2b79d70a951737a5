"""Keepalive pings of `python -m config.serve`: both servers ping an open socket after WS_PING_INTERVAL_SECONDS
and drop one that answers none within WS_PING_TIMEOUT_SECONDS; at an interval of 0 they send none.

A real server process each time, serving a bare ASGI app that accepts every socket, read by a raw TCP client
that sees each frame as sent (a WebSocket library would answer the pings without showing them)."""

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.live_stack import ROOT, _wait_for_port, free_port

PING = 0x89  # FIN + opcode 9
HANDSHAKE = (
    b"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


async def accept_every_socket(scope, receive, send):
    if scope["type"] != "websocket":
        return
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def _frames_within(port: int, seconds: float) -> tuple[list[int], bool]:
    """Connect, upgrade, answer nothing, and give the first byte of every frame the server sends in `seconds`, and
    whether the server closed the connection by then."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(HANDSHAKE)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        assert data.startswith(b"HTTP/1.1 101"), data[:100]
        data = data.split(b"\r\n\r\n", 1)[1]
        deadline, closed = time.monotonic() + seconds, False
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    opcodes = []
    while len(data) >= 2:  # server frames are unmasked, and a ping's payload is under 126 bytes
        length = data[1] & 0x7F
        opcodes.append(data[0])
        data = data[2 + length :]
    return opcodes, closed


@pytest.fixture
def serve():
    started = []

    def start(server: str, **environment) -> int:
        port = free_port()
        env = {**os.environ, **environment, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "config.serve",
                "--server",
                server,
                "--port",
                str(port),
                f"{__name__}:accept_every_socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        _wait_for_port(port, process)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


def test_uvicorn_pings_an_open_socket_and_drops_it_when_no_pong_comes(serve):
    port = serve("uvicorn", WS_PING_INTERVAL_SECONDS="0.3", WS_PING_TIMEOUT_SECONDS="0.5")

    opcodes, closed = _frames_within(port, 4)

    assert opcodes[0] == PING
    assert closed


def test_daphne_pings_a_socket_idle_for_the_interval_and_drops_it_when_no_pong_comes(serve):
    port = serve("daphne", WS_PING_INTERVAL_SECONDS="1", WS_PING_TIMEOUT_SECONDS="1")

    opcodes, closed = _frames_within(port, 8)

    assert opcodes[0] == PING
    assert closed


def test_at_an_interval_of_zero_uvicorn_sends_no_ping_and_daphne_none_within_any_sale(monkeypatch):
    import daphne.cli
    import uvicorn

    from config import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(uvicorn=options))
    monkeypatch.setattr(daphne.cli.CommandLineInterface, "run", lambda self, argv: seen.update(daphne=argv))
    monkeypatch.setenv("WS_PING_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("WS_PING_TIMEOUT_SECONDS", "0.5")

    serve.main(["--server", "uvicorn"])
    serve.main(["--server", "daphne"])

    assert (seen["uvicorn"]["ws_ping_interval"], seen["uvicorn"]["ws_ping_timeout"]) == (None, 0.5)
    daphne_argv = seen["daphne"]
    interval = int(daphne_argv[daphne_argv.index("--ping-interval") + 1])
    assert interval >= 365 * 24 * 3600
    assert daphne_argv[daphne_argv.index("--ping-timeout") + 1] == "1"  # whole seconds, rounded up


@pytest.mark.parametrize("interval, timeout", [("soon", "20"), ("-1", "20"), ("20", "0"), ("20", "nan")])
def test_a_ping_setting_that_is_no_number_of_seconds_stops_the_server_with_a_message(monkeypatch, interval, timeout):
    from config import serve

    monkeypatch.setenv("WS_PING_INTERVAL_SECONDS", interval)
    monkeypatch.setenv("WS_PING_TIMEOUT_SECONDS", timeout)

    with pytest.raises(SystemExit, match="WS_PING_INTERVAL_SECONDS must be a number of seconds"):
        serve.ping_seconds()
