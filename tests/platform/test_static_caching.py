"""What WhiteNoise sends for the SPA and the static files: brotli or gzip as the browser asks, a year's immutable
cache for files whose names carry their content's hash, and an index.html that browsers always ask for again.

The SPA here is a small stand-in built in a temporary folder and run through the production storage's
collectstatic, so the test needs no npm build; the real build's names are checked separately against the rule."""

import gzip
import re
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from config import spa
from config.settings import base
from config.static import VITE_HASHED_ASSET

pytestmark = pytest.mark.django_db

A_YEAR = "max-age=31536000, public, immutable"
SCRIPT = "export function price(n) { return n.toLocaleString('ja-JP') }\n" * 200
STYLE = ".price { font-variant-numeric: tabular-nums; color: #1b5e20 }\n" * 200
INDEX = '<!doctype html><script type="module" src="/assets/index-Ab3_x-9Z.js"></script><div id="app"></div>'


@pytest.fixture
def collected(tmp_path):
    """A Vite-like build, collected with the production storage into a fresh STATIC_ROOT and served from there."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})\n" * 50)
    (dist / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><title>馬</title></svg>\n' * 20)
    (dist / "assets" / "index-Ab3_x-9Z.js").write_text(SCRIPT)
    (dist / "assets" / "index-Qr7-kLm0.css").write_text(STYLE)
    static_root = tmp_path / "static"
    with override_settings(
        STATIC_ROOT=static_root,
        STATICFILES_DIRS=[("spa", dist)],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={**settings.STORAGES, "staticfiles": base.STORAGES["staticfiles"]},
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        root = base.served_spa_root(static_root, dist)
        with override_settings(SPA_ROOT=root, WHITENOISE_ROOT=root, WHITENOISE_AUTOREFRESH=False):
            spa._built_index.cache_clear()
            yield root
    spa._built_index.cache_clear()


def _get(url: str, encoding: str | None = None):
    headers = {"HTTP_ACCEPT_ENCODING": encoding} if encoding else {}
    response = Client().get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_the_collected_spa_is_what_the_site_root_serves(collected, tmp_path):
    assert collected == tmp_path / "static" / "spa"
    assert (collected / "assets" / "index-Ab3_x-9Z.js.br").is_file()


@pytest.mark.parametrize(
    ("url", "original"),
    [("/assets/index-Ab3_x-9Z.js", SCRIPT), ("/assets/index-Qr7-kLm0.css", STYLE)],
)
def test_hashed_assets_go_out_brotli_or_gzip_compressed_and_cached_for_a_year(collected, url, original):
    response, body = _get(url, "gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == A_YEAR
    assert "Accept-Encoding" in response["Vary"]
    assert brotli.decompress(body).decode() == original
    assert len(body) < len(original.encode()) / 5

    response, body = _get(url, "gzip")
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == A_YEAR
    assert gzip.decompress(body).decode() == original

    response, body = _get(url)
    assert not response.has_header("Content-Encoding")
    assert body.decode() == original


@pytest.mark.parametrize("url", ["/index.html", "/sw.js"])
def test_the_spa_entry_points_are_asked_for_again_on_every_visit(collected, url):
    response, _body = _get(url, "br")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response["Content-Encoding"] == "br"


@pytest.mark.parametrize("url", ["/", "/auctions", "/auctions/12", "/login"])
def test_client_side_routes_answer_the_collected_index_uncached(collected, url):
    response, body = _get(url)
    assert response.status_code == 200
    assert body.decode() == INDEX
    cache = response["Cache-Control"]
    assert "no-cache" in cache and "no-store" in cache and "max-age=0" in cache


def test_unhashed_files_get_only_a_short_cache_and_django_hashed_ones_a_year(collected, tmp_path):
    response, _body = _get("/favicon.svg")
    assert response["Cache-Control"] == "max-age=60, public"
    manifest_name = next(p.name for p in collected.glob("favicon.*.svg") if re.search(r"\.[0-9a-f]{12}\.svg$", p.name))
    response, _body = _get(f"/static/spa/{manifest_name}")
    assert response.status_code == 200
    assert response["Cache-Control"] == A_YEAR


def test_every_file_vite_puts_in_assets_has_a_name_the_year_long_cache_recognises():
    assets = Path(settings.FRONTEND_DIST) / "assets"
    built = sorted(p.name for p in assets.iterdir()) if assets.is_dir() else []
    assert built, "build the SPA first: npm --prefix frontend ci && npm --prefix frontend run build"
    assert [name for name in built if not VITE_HASHED_ASSET.match(f"/assets/{name}")] == []
    assert not VITE_HASHED_ASSET.match("/assets/logo.svg")
