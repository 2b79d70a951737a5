"""/metrics is not public: the bearer token of METRICS_TOKEN, or an address in METRICS_ALLOWED_NETWORKS, or a 404."""

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import override_settings

from config.asgi import application

TOKEN = "t" * 40


async def get(path="/metrics", *, token=None, client="203.0.113.9", method="GET"):
    headers = [(b"host", b"10.0.0.7:8000")]  # an internal address, in no ALLOWED_HOSTS: Prometheus scrapes like this
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": (client, 50000),
        "server": ("10.0.0.7", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    return start["status"], dict(start["headers"]), body["body"]


pytestmark = pytest.mark.asyncio


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=[])
async def test_with_neither_a_token_nor_networks_configured_metrics_are_off():
    status, _headers, body = await get(token="anything", client="127.0.0.1")
    assert status == 404
    assert b'"code":"not_found"' in body


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
@pytest.mark.parametrize("token", [None, "", "t" * 39, TOKEN + "x", TOKEN.upper()], ids=repr)
async def test_a_scrape_without_the_right_token_is_a_404(token):
    status, _headers, _body = await get(token=token)
    assert status == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
async def test_the_right_token_gets_the_metrics_whatever_the_host_header():
    status, headers, body = await get(token=TOKEN)
    assert status == 200
    assert headers[b"content-type"].startswith(b"text/plain")
    text = body.decode()
    for family in ("umaseri_ws_open_sockets", "umaseri_bids_total", "django_http_requests_latency_seconds_by_view"):
        assert f"# TYPE {family}" in text, family


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
async def test_only_get_and_head_are_answered():
    status, _headers, _body = await get(token=TOKEN, method="POST")
    assert status == 404
    status, _headers, body = await get(token=TOKEN, method="HEAD")
    assert (status, body) == (200, b"")


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=["10.1.0.0/16", "::1/128"])
@pytest.mark.parametrize(
    ("client", "status"),
    [("10.1.2.3", 200), ("::1", 200), ("10.2.0.1", 404), ("127.0.0.1", 404), ("not-an-address", 404)],
)
async def test_an_allowed_network_needs_no_token_and_no_other_address_gets_in(client, status):
    assert (await get(client=client))[0] == status
