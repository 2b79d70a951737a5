"""The compose recipe puts nginx in front of daphne (REST) and uvicorn (sockets): nginx is the one trusted proxy,
serves the uploaded photos, and sends a vet document only after the platform has checked the reader
(X-Accel-Redirect).

The first tests read docker-compose.yml; the rest run the real nginx (Debian's, as CI installs it) with the
recipe's own site template in front of a real daphne and a real uvicorn started as compose starts them.
"""

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import websockets
import yaml
from django.conf import settings

from tests.accounts.factories import PASSWORD, BidderFactory, UserFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.live_stack import ROOT, LiveStack, free_port

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
TEMPLATE = ROOT / "deploy" / "nginx" / "umaseri.conf.template"
MEDIA_IN_NGINX = "/srv/umaseri/media"
PDF = b"%PDF-1.4\n% a vet report\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- the recipe ---------------------------------------------------------------------------------------------------


def test_web_trusts_exactly_one_proxy_and_daphne_reads_its_headers():
    web = COMPOSE["services"]["web"]
    assert str(web["environment"]["NUM_PROXIES"]) == "1"
    assert "--proxy-headers" in " ".join(web["command"])
    assert web["environment"]["MEDIA_ACCEL_REDIRECT_PREFIX"] == "/protected-media/"
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"  # the shared values stay


def test_the_socket_pool_runs_uvicorn_behind_nginx_and_reads_its_headers():
    ws = COMPOSE["services"]["ws"]
    assert ws["command"][:3] == ["python", "-m", "config.serve"]
    assert "--proxy-headers" in ws["command"]
    assert ws["environment"]["ASGI_SERVER"] == "${WS_ASGI_SERVER:-uvicorn}"
    assert ws["environment"]["FORWARDED_ALLOW_IPS"] == "*"  # nginx, the only way in, sets X-Forwarded-For
    assert "ports" not in ws
    assert COMPOSE["services"]["nginx"]["environment"]["UMASERI_WS_UPSTREAMS"] == "server ws:8000 max_fails=0;"


def test_web_is_reached_only_through_nginx():
    assert "ports" not in COMPOSE["services"]["web"]
    assert any(str(port).endswith(":8080") for port in COMPOSE["services"]["nginx"]["ports"])


def test_nginx_reads_the_media_volume_the_platform_writes():
    assert "media:/app/media" in COMPOSE["services"]["web"]["volumes"]
    assert f"media:{MEDIA_IN_NGINX}:ro" in COMPOSE["services"]["nginx"]["volumes"]


def test_approval_is_required_in_the_recipe():
    assert COMPOSE["services"]["web"]["environment"]["BIDDER_APPROVAL_REQUIRED"] == "${BIDDER_APPROVAL_REQUIRED:-true}"


# --- the real nginx in front of a real daphne ----------------------------------------------------------------------


def _nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert path, "nginx is needed for the deploy tests (apt-get install nginx-light; .ci/run does it)"
    return path


@pytest.fixture(scope="module")
def front(django_db_setup, django_db_blocker):
    """daphne as compose runs it (--proxy-headers, NUM_PROXIES=1, X-Accel-Redirect) behind nginx with the site
    template, the socket pool a uvicorn of its own on a Unix socket (config.serve --uds, as nginx reaches it on one
    machine), the media volume being a temporary directory."""
    stack = LiveStack(
        servers=2,
        asgi_servers=("daphne", "uvicorn"),
        unix_sockets=(1,),
        worker=False,
        beat=False,
        daphne_args=("--proxy-headers",),
        extra_env={"NUM_PROXIES": "1", "MEDIA_ACCEL_REDIRECT_PREFIX": "/protected-media/"},
    )
    work = Path(tempfile.mkdtemp(prefix="umaseri-nginx-"))
    media = work / "media"
    (media / "horses" / "photos").mkdir(parents=True)
    (media / "horses" / "documents").mkdir(parents=True)
    (media / "horses" / "photos" / "a.png").write_bytes(PNG)
    (media / "horses" / "documents" / "report.pdf").write_bytes(PDF)
    port = free_port()
    nginx = None
    try:
        stack.start()
        site = string.Template(TEMPLATE.read_text()).safe_substitute(
            UMASERI_UPSTREAMS=f"server 127.0.0.1:{stack.ports[0]} max_fails=0;",
            UMASERI_WS_UPSTREAMS=f"server unix:{stack.ports[1]} max_fails=0;",
            UMASERI_LISTEN=f"127.0.0.1:{port}",
        )
        site = site.replace(MEDIA_IN_NGINX, str(media))
        temp = work / "temp"
        temp.mkdir()
        conf = work / "nginx.conf"
        conf.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'} warn;\ndaemon off;\n"
            + "events { worker_connections 256; }\n"
            + "http {\n    include /etc/nginx/mime.types;\n    access_log off;\n"
            + "".join(f"    {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi"))
            + "".join(f"    {kind}_temp_path {temp / kind};\n" for kind in ("uwsgi", "scgi"))
            + site
            + "\n}\n"
        )
        nginx = subprocess.Popen(
            [_nginx_binary(), "-c", str(conf), "-p", str(work)],
            stdout=subprocess.DEVNULL,
            stderr=(work / "nginx.out").open("wb"),
            start_new_session=True,
        )
        _wait_for(port, nginx, work)
        yield {"port": port, "stack": stack}
    finally:
        if nginx is not None and nginx.poll() is None:
            os.killpg(nginx.pid, signal.SIGTERM)
            nginx.wait(timeout=10)
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, work: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited: " + (work / "nginx.out").read_text(errors="replace"))
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("nginx did not answer")


def _request(port, method, path, body=None, headers=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _get(port, path, **kwargs):
    return _request(port, "GET", path, **kwargs)


def _token(port, user) -> str:
    body = json.dumps({"username": user.username, "password": PASSWORD})
    status, _headers, content = _request(
        port, "POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    assert status == 200, content[:300]
    return json.loads(content)["access"]


def _document():
    from horses.models import HorseDocument
    from tests.horses.factories import HorseFactory

    return HorseDocument.objects.create(
        horse=HorseFactory(), title="獣医所見", kind="vet", file="horses/documents/report.pdf"
    )


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_photos_but_never_a_document_from_media(front):
    status, headers, content = _get(front["port"], "/media/horses/photos/a.png")
    assert (status, content) == (200, PNG)
    assert headers["Content-Type"] == "image/png"
    assert _get(front["port"], "/media/horses/documents/report.pdf")[0] == 404
    assert _get(front["port"], "/protected-media/horses/documents/report.pdf")[0] == 404  # internal only


@pytest.mark.django_db(transaction=True)
def test_an_approved_bidder_gets_the_document_through_the_platform_and_nginx(front):
    document = _document()
    token = _token(front["port"], BidderFactory())
    path = f"/api/horses/{document.horse_id}/documents/{document.pk}/file/"

    status, headers, content = _get(front["port"], path, headers={"Authorization": f"Bearer {token}"})

    assert (status, content) == (200, PDF)
    assert headers["Content-Type"] == "application/pdf"
    assert "X-Accel-Redirect" not in headers  # nginx consumed it


@pytest.mark.django_db(transaction=True)
def test_a_viewer_is_refused_the_document_with_json(front):
    document = _document()
    token = _token(front["port"], UserFactory(role="viewer"))
    path = f"/api/horses/{document.horse_id}/documents/{document.pk}/file/"

    status, _headers, content = _get(front["port"], path, headers={"Authorization": f"Bearer {token}"})

    assert status == 403
    assert json.loads(content)["code"] == "documents_restricted"


@pytest.mark.django_db(transaction=True)
def test_a_socket_through_nginx_reaches_the_socket_pool_and_hears_its_room(front):
    lot = ActiveAuctionFactory()
    token = _token(front["port"], BidderFactory())

    async def watch() -> list[dict]:
        url = f"ws://127.0.0.1:{front['port']}/ws/auctions/?token={token}"
        async with websockets.connect(url, origin="http://localhost", compression=None) as socket:
            session = json.loads(await socket.recv())
            await socket.send(json.dumps({"type": "auction:join", "auction_id": lot.pk}))
            return [session, json.loads(await asyncio.wait_for(socket.recv(), 10))]

    session, state = asyncio.run(watch())
    assert session["type"] == "session" and session["user"]["role"] == "bidder"
    assert (state["type"], state["id"]) == ("auction:state", lot.pk)
    served_by = (Path(front["stack"].tmp.name) / "uvicorn-1.log").read_text(errors="replace")
    assert "Traceback" not in served_by


@pytest.mark.django_db(transaction=True)
def test_a_bid_over_a_socket_through_nginx_is_recorded_with_the_bidders_own_address(front):
    # Given a bidder on 127.0.0.2 whose socket claims another address, through nginx to the socket pool's Unix socket
    from bidding.models import Bid

    lot = ActiveAuctionFactory()
    token = _token(front["port"], BidderFactory())

    async def bid() -> dict:
        sock = socket.socket()
        sock.bind(("127.0.0.2", 0))
        sock.connect(("127.0.0.1", front["port"]))
        url = f"ws://127.0.0.1:{front['port']}/ws/auctions/?token={token}"
        headers = {"X-Forwarded-For": "198.51.100.7"}
        async with websockets.connect(
            url, sock=sock, origin="http://localhost", compression=None, additional_headers=headers
        ) as ws:
            await ws.send(json.dumps({"type": "auction:join", "auction_id": lot.pk}))
            state = await _frame(ws, "auction:state")
            key = str(uuid.uuid4())
            await ws.send(
                json.dumps(
                    {
                        "type": "auction:bid",
                        "auction_id": lot.pk,
                        "amount": state["min_next_bid"],
                        "idempotency_key": key,
                    }
                )
            )
            return await _frame(ws, "auction:bid:accepted", "auction:bid:rejected", "error")

    # When it bids
    answer = asyncio.run(bid())

    # Then the bid is taken, and recorded with the address nginx saw, not the claimed one nor nginx's own
    assert answer["type"] == "auction:bid:accepted", answer
    assert Bid.objects.get(auction=lot).client_address == "127.0.0.2"


async def _frame(ws, *types: str) -> dict:
    """The next frame of one of these types (a socket hears its session, ticks and its room's events meanwhile)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] in types:
            return frame


@pytest.mark.django_db(transaction=True)
def test_the_client_address_is_the_one_nginx_sees_and_cannot_be_forged(front):
    from axes.models import AccessAttempt

    # Given a client on 127.0.0.2 that claims a different address in every request
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit):
        body = json.dumps({"username": f"guess{n}", "password": "wrong"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{n + 1}"}
        _request(front["port"], "POST", "/api/auth/token/", body=body, headers=headers, source="127.0.0.2")

    # Then every failure was counted against its real address, not nginx's nor the claimed ones
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.2"}

    # And that address is now refused, whatever it claims, while another client still signs in
    body = json.dumps({"username": "guess0", "password": "wrong"})
    headers = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.200"}
    status, response_headers, _content = _request(
        front["port"], "POST", "/api/auth/token/", body=body, headers=headers, source="127.0.0.2"
    )
    assert status == 429
    assert int(response_headers["Retry-After"]) > 0
    _token(front["port"], BidderFactory())  # from 127.0.0.1
