"""The bench reaches a server process at a port or on a Unix socket (behind nginx the socket pool listens on one,
as `config.serve --uds`), and nginx's upstream blocks name either kind."""

import socketserver
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bench.stack import http_get, nginx_upstreams, wait_for_port


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{self.path} {self.headers.get('Authorization')}".encode()
        self.send_response(200 if self.headers.get("Authorization") else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _UnixHTTPServer(socketserver.UnixStreamServer):
    def get_request(self):
        request, _address = super().get_request()
        return request, ("unix", 0)  # BaseHTTPRequestHandler wants a (host, port)


@pytest.fixture(params=["port", "unix"])
def server(request):
    if request.param == "port":
        httpd = HTTPServer(("127.0.0.1", 0), _Answer)
        address = httpd.server_address[1]
    else:
        folder = tempfile.TemporaryDirectory()
        address = Path(folder.name) / "server.sock"
        httpd = _UnixHTTPServer(str(address), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield address
    httpd.shutdown()
    httpd.server_close()


def test_a_server_process_answers_the_bench_at_either_kind_of_address(server):
    wait_for_port(server, timeout=5)

    assert http_get(server, "/metrics", headers={"Authorization": "Bearer t"}) == (200, b"/metrics Bearer t")
    assert http_get(server, "/metrics")[0] == 401


def test_nginx_upstream_lines_name_ports_on_loopback_and_unix_sockets():
    lines = nginx_upstreams([8001, Path("/run/umaseri/ws-0.sock")])

    assert lines == "server 127.0.0.1:8001 max_fails=0;\n    server unix:/run/umaseri/ws-0.sock max_fails=0;"
