"""A Content-Security-Policy on every response (django-csp), one under which the SPA, the Django admin and the API
documentation all work: scripts only from the site itself (no inline script, no eval), nothing framed, no plugins.
Whether the pages really work under it is the browser tests' part (tests/e2e/test_browser.py)."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/", "/auctions/12", "/admin/login/", "/api/docs/", "/api/auctions/", "/api/nope/", "/healthz"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_policy(path):
    policy = _policy(Client().get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # the API and, in CSP 3, the site's own WebSocket
    assert policy["worker-src"] == ["'self'"]  # the SPA's service worker


def test_the_api_docs_load_swagger_ui_from_the_site_not_a_cdn():
    page = Client().get("/api/docs/").content.decode()
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    assert sources, page[:500]
    assert all(src.startswith("/static/") or src.startswith("/api/docs/") for src in sources), sources
    stylesheets = re.findall(r'<link[^>]*\bhref="([^"]+)"', page)
    assert all(href.startswith("/static/") for href in stylesheets), stylesheets
    # Every script element names its source: the initialisation comes from /api/docs/?script=, not inline
    assert len(re.findall(r"<script\b", page)) == len(sources)


def test_the_api_docs_initialisation_script_is_served_as_javascript():
    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content
    assert b'"validatorUrl": null' in response.content  # no badge fetched from the swagger.io validator


def test_the_sidecar_assets_are_collected_as_static_files():
    from django.contrib.staticfiles import finders

    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name
