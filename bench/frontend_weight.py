"""The SPA's weight and paint on an emulated slow phone link: `python -m bench.frontend_weight`.

Starts the platform as production serves it (collectstatic, so the SPA goes out brotli/gzip compressed from the
collected copy; daphne with DEBUG off; a throwaway PostgreSQL database with the demo catalogue) or, with `--url`,
measures a server that is already running (e.g. `make run`'s). Then, in Debian's headless Chromium driven by
Playwright, with Chromium's network throttling set through the DevTools protocol:

- first visit (empty cache): the JavaScript and CSS the page loaded, in bytes as sent to a browser that accepts
  br (and, fetched again, gzip only), and uncompressed; first contentful paint; the lots on screen; load;
- repeat visit (same browser profile, a new tab): first contentful paint, lots on screen and load, once with the
  service worker (what a returning visitor gets) and once with it blocked (the HTTP cache alone).

Throttling profiles (`--profile`):
- `fast3g` (default): Chrome DevTools' "Fast 3G" preset: 562.5 ms latency per request, 1.44 Mbps down, 675 kbps
  up. It is the 150 ms RTT, 1.6 Mbps / 750 kbps link scaled for throttling per request rather than per packet
  (latency × 3.75, throughput × 0.9), as DevTools and Lighthouse do.
- `fast3g-rtt`: the same link taken literally: 150 ms latency, 1.6 Mbps down, 750 kbps up (less strict).
No CPU slowdown unless `--cpu-slowdown N` (a phone's CPU is slower than this machine's).

It prints a markdown table against the targets (JS ≤ 200 KB and CSS ≤ 60 KB compressed; FCP < 2.5 s on the
first visit; repeat visit < 0.5 s) and writes `bench/results/frontend-<time>.json`. Not a test: timings on a
shared machine vary, so it reports medians over `--runs` visits.
"""

import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.stack import ROOT, database_create, database_drop, free_port, wait_for_port

RESULTS = ROOT / "bench" / "results"
KB = 1000  # the targets are in kB as browsers' DevTools count them

PROFILES = {
    "fast3g": {"latency": 562.5, "down_bps": 1_440_000, "up_bps": 675_000},
    "fast3g-rtt": {"latency": 150.0, "down_bps": 1_600_000, "up_bps": 750_000},
}
TARGETS = {"js_kb": 200, "css_kb": 60, "first_fcp_s": 2.5, "repeat_s": 0.5}

# Records when the list of lots (or its empty state) first shows, in the page's own clock.
LOTS_SHOWN_SCRIPT = """
(() => {
  const seen = () => document.querySelector('[data-testid="auction-list"], [data-testid="list-empty"]');
  const mark = () => { if (!window.__lotsShownAt && seen()) window.__lotsShownAt = performance.now(); };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
})();
"""

TIMINGS_SCRIPT = """
async () => {
  const fcp = () => performance.getEntriesByName('first-contentful-paint')[0];
  for (let i = 0; i < 200 && (!fcp() || !window.__lotsShownAt); i++) await new Promise(r => setTimeout(r, 50));
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    fcp_ms: fcp() ? fcp().startTime : null,
    lots_ms: window.__lotsShownAt ?? null,
    dcl_ms: nav.domContentLoadedEventEnd,
    load_ms: nav.loadEventEnd,
    controlled: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
  };
}
"""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def log(message: str) -> None:
    print(f"[frontend {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the server ------------------------------------------------------------------------------------------


class Server:
    """daphne on a throwaway database, with the SPA collected as production serves it."""

    def __init__(self, database_url: str, redis_url: str):
        self.database_url, self.redis_url = database_url, redis_url
        self.tmp = Path(tempfile.mkdtemp(prefix="umaseri-frontend-"))
        self.process: subprocess.Popen | None = None
        self.port = free_port()
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TEST_DB"))}
        self.env.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=redis_url,
            DJANGO_SETTINGS_MODULE="bench.settings",
            DJANGO_DEBUG="false",
            LOG_LEVEL="WARNING",
            CHANNEL_LAYER_PREFIX="bench-frontend",
            CACHE_KEY_PREFIX="bench-frontend",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
        )

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 (fixed command line)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL
        )

    def start(self) -> str:
        if not (ROOT / "frontend" / "dist" / "index.html").is_file():
            raise SystemExit("build the SPA first: npm --prefix frontend ci && npm --prefix frontend run build")
        log("collectstatic (the SPA is collected and compressed, as `make run` and the image do)")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        log(f"throwaway database {self.database_url.rsplit('/', 1)[-1]}: migrate, seed_demo")
        database_create(self.database_url)
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("seed_demo")
        output = (self.tmp / "daphne.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (fixed command line)
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        database_drop(self.database_url)
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- the browser -----------------------------------------------------------------------------------------


@dataclass
class Visit:
    fcp_ms: float | None
    lots_ms: float | None
    load_ms: float
    controlled: bool
    assets: dict  # url -> {"type": "Script"|"Stylesheet", "wire": bytes on the wire, "encoding": ...}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    return path


def visit(context, url: str, profile: dict, cpu_slowdown: float) -> Visit:
    """One navigation in a new tab of `context`, throttled, with every JS and CSS response it made counted."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": profile["latency"],
            "downloadThroughput": profile["down_bps"] / 8,
            "uploadThroughput": profile["up_bps"] / 8,
        },
    )
    if cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
    assets: dict[str, dict] = {}
    by_request: dict[str, str] = {}

    def on_response(event):
        if event["type"] in ("Script", "Stylesheet"):
            response = event["response"]
            headers = {key.lower(): value for key, value in response["headers"].items()}
            by_request[event["requestId"]] = response["url"]
            assets[response["url"]] = {
                "type": event["type"],
                "encoding": headers.get("content-encoding", "identity"),
                "from": "service worker" if response.get("fromServiceWorker") else "network",
                "wire": 0,
            }

    def on_finished(event):
        url = by_request.get(event["requestId"])
        if url:
            assets[url]["wire"] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    page.add_init_script(LOTS_SHOWN_SCRIPT)
    page.goto(url, wait_until="load", timeout=120_000)
    timings = page.evaluate(TIMINGS_SCRIPT)
    page.wait_for_load_state("networkidle", timeout=60_000)
    page.close()
    return Visit(timings["fcp_ms"], timings["lots_ms"], timings["load_ms"], timings["controlled"], assets)


def wait_for_service_worker(context, url: str) -> bool:
    page = context.new_page()
    page.goto(url, wait_until="load")
    ready = page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(() => true),
            new Promise(r => setTimeout(() => r(false), 30000)),
        ])"""
    )
    page.close()
    return ready


def encoded_size(url: str, encoding: str) -> tuple[int, int, str]:
    """(bytes as sent with Accept-Encoding: `encoding`, bytes uncompressed, the encoding the server chose)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310 (our own server)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read()
        chosen = response.headers.get("Content-Encoding", "identity")
    if chosen == "br":
        import brotli

        plain = brotli.decompress(body)
    elif chosen == "gzip":
        plain = gzip.decompress(body)
    else:
        plain = body
    return len(body), len(plain), chosen


def weigh(assets: dict) -> dict:
    totals = {}
    for kind, type_ in (("js", "Script"), ("css", "Stylesheet")):
        urls = sorted(url for url, info in assets.items() if info["type"] == type_)
        br = [encoded_size(url, "br") for url in urls]
        gz = [encoded_size(url, "gzip") for url in urls]
        totals[kind] = {
            "files": len(urls),
            "br": sum(size for size, _plain, _enc in br),
            "gzip": sum(size for size, _plain, _enc in gz),
            "uncompressed": sum(plain for _size, plain, _enc in br),
            "wire": sum(assets[url]["wire"] for url in urls),
            "not_br": [url for url, (_size, _plain, enc) in zip(urls, br, strict=True) if enc != "br"],
            "by_file": {
                url.rsplit("/", 1)[-1]: {"br": b[0], "gzip": g[0], "uncompressed": b[1]}
                for url, b, g in zip(urls, br, gz, strict=True)
            },
        }
    return totals


def median(values: list) -> float | None:
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def measure(base_url: str, path: str, profile_name: str, runs: int, cpu_slowdown: float) -> dict:
    from playwright.sync_api import sync_playwright

    profile = PROFILES[profile_name]
    url = base_url.rstrip("/") + path
    first, repeat_sw, repeat_http = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            for index in range(runs):
                log(f"run {index + 1}/{runs}: {url} on {profile_name}")
                # With the service worker: first visit, let it install and take the precache, then come back.
                context = browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 812})
                first.append(visit(context, url, profile, cpu_slowdown))
                sw_ready = wait_for_service_worker(context, url)
                repeat_sw.append(visit(context, url, profile, cpu_slowdown))
                context.close()
                # Without it: the HTTP cache (the year-long immutable assets) alone.
                context = browser.new_context(
                    locale="ja-JP", viewport={"width": 375, "height": 812}, service_workers="block"
                )
                visit(context, url, profile, cpu_slowdown)
                repeat_http.append(visit(context, url, profile, cpu_slowdown))
                context.close()
        finally:
            browser.close()
    weights = weigh(first[0].assets)

    def summary(visits: list[Visit]) -> dict:
        return {
            "fcp_ms": median([v.fcp_ms for v in visits]),
            "lots_ms": median([v.lots_ms for v in visits]),
            "load_ms": median([v.load_ms for v in visits]),
            "each_fcp_ms": [v.fcp_ms for v in visits],
            "controlled_by_service_worker": [v.controlled for v in visits],
        }

    return {
        "url": url,
        "profile": profile_name,
        "throttling": profile,
        "cpu_slowdown": cpu_slowdown,
        "runs": runs,
        "service_worker_ready": sw_ready,
        "weights": weights,
        "first": summary(first),
        "repeat_service_worker": summary(repeat_sw),
        "repeat_http_cache": summary(repeat_http),
    }


def table(result: dict) -> str:
    w, first = result["weights"], result["first"]
    sw, http = result["repeat_service_worker"], result["repeat_http_cache"]

    def kb(n):
        return f"{n / KB:.1f} kB"

    def s(ms):
        return "–" if ms is None else f"{ms / 1000:.2f} s"

    def verdict(value, target):
        return "–" if value is None else ("met" if value <= target else "**missed**")

    throttle = result["throttling"]
    lines = [
        f"{result['url']} · {result['profile']} ({throttle['latency']} ms, {throttle['down_bps'] / 1e6:.2f} Mbps down, "
        f"{throttle['up_bps'] / 1e6:.3f} Mbps up) · CPU ×{result['cpu_slowdown']:g} · median of {result['runs']}",
        "",
        "| figure | value | target | |",
        "|---|---|---|---|",
    ]
    for kind, target in (("js", TARGETS["js_kb"]), ("css", TARGETS["css_kb"])):
        t = w[kind]
        lines.append(
            f"| first-load {kind.upper()} ({t['files']} files), brotli | {kb(t['br'])} | ≤ {target} kB | "
            f"{verdict(t['br'] / KB, target)} |"
        )
        lines.append(f"| first-load {kind.upper()}, gzip | {kb(t['gzip'])} | | |")
        lines.append(f"| first-load {kind.upper()}, uncompressed | {kb(t['uncompressed'])} | | |")
    lines += [
        f"| first visit: first contentful paint | {s(first['fcp_ms'])} | < 2.5 s | "
        f"{verdict(first['fcp_ms'] and first['fcp_ms'] / 1000, TARGETS['first_fcp_s'])} |",
        f"| first visit: lots on screen | {s(first['lots_ms'])} | | |",
        f"| first visit: load | {s(first['load_ms'])} | | |",
        f"| repeat visit (service worker): FCP | {s(sw['fcp_ms'])} | < 0.5 s | "
        f"{verdict(sw['fcp_ms'] and sw['fcp_ms'] / 1000, TARGETS['repeat_s'])} |",
        f"| repeat visit (service worker): lots on screen / load | {s(sw['lots_ms'])} / {s(sw['load_ms'])} | | |",
        f"| repeat visit (HTTP cache only): FCP | {s(http['fcp_ms'])} | | |",
        f"| repeat visit (HTTP cache only): lots on screen / load | {s(http['lots_ms'])} / {s(http['load_ms'])} | | |",
    ]
    for kind in ("js", "css"):
        if w[kind]["not_br"]:
            lines.append(f"\nNot sent brotli-compressed: {', '.join(w[kind]['not_br'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.frontend_weight", description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="measure this running server (e.g. http://127.0.0.1:8000) instead of one of ours")
    parser.add_argument("--path", default="/auctions", help="the page to open (default: the lot list)")
    parser.add_argument("--profile", choices=sorted(PROFILES), action="append", help="repeatable; default fast3g")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu-slowdown", type=float, default=1.0)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/umaseri_bench_frontend")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args(argv)
    server = None if args.url else Server(args.database_url, args.redis_url)
    try:
        base_url = args.url or server.start()
        results = [
            measure(base_url, args.path, name, args.runs, args.cpu_slowdown) for name in args.profile or ["fast3g"]
        ]
    finally:
        if server is not None:
            server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"frontend-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    for result in results:
        print(table(result) + "\n")
    log(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
