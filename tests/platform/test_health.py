"""/healthz reports the database, Redis, the channel layer and the Celery worker, each on the real thing.

The worker test starts a real Celery worker process against this suite's Redis and stops it afterwards.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

PARTS = {"database", "redis", "channel_layer", "celery"}
CELERY = Path(sys.executable).with_name("celery")


def _healthz() -> tuple[int, dict]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def _worker_answers(timeout: float = 0.5) -> bool:
    from config.celery import app

    return bool(app.control.ping(timeout=timeout))


@pytest.fixture
def celery_worker():
    """A real worker (solo pool) on this suite's broker; killed however the test ends."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": settings.REDIS_URL}
    worker = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-c",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            "-n",
            f"healthz-test-{os.getpid()}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _worker_answers():
            if worker.poll() is not None:
                output = worker.stdout.read().decode(errors="replace")
                pytest.fail(f"the Celery worker exited with {worker.returncode}:\n{output[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the Celery worker did not answer a ping within 60 s")
            time.sleep(0.5)
        yield worker
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=5)
        worker.stdout.close()


def test_without_a_worker_healthz_is_503_and_names_celery():
    # Given the real database, Redis and channel layer, and no Celery worker on this broker
    assert not _worker_answers()

    # When the platform is asked about its health
    status, body = _healthz()

    # Then it is degraded: every part but Celery is fine, and Celery says why
    assert status == 503
    assert body["status"] == "degraded"
    assert set(body["checks"]) == PARTS
    assert {name for name, part in body["checks"].items() if part["ok"]} == PARTS - {"celery"}
    assert body["checks"]["celery"]["error"]
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["channel_layer"]["backend"] == settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]


def test_with_a_worker_healthz_is_200_and_all_ok(celery_worker):
    status, body = _healthz()
    assert status == 200, body
    assert body["status"] == "ok"
    assert all(part["ok"] for part in body["checks"].values()), body
    assert body["checks"]["celery"]["workers"] >= 1
    assert all(isinstance(part["ms"], float | int) for part in body["checks"].values())


def _healthz_in_a_fresh_process(redis_url: str) -> tuple[int, dict, float]:
    """/healthz answered by a fresh interpreter whose Redis is `redis_url` (cache, channel layer, broker)."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    script = (
        "import json, time, django; django.setup(); from django.test import Client; "
        "t = time.monotonic(); r = Client().get('/healthz', HTTP_HOST='localhost'); "
        "print(json.dumps([r.status_code, json.loads(r.content), time.monotonic() - t]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,  # also catches an interpreter that answers but cannot exit (a check left hanging)
    )
    assert out.returncode == 0, out.stderr[-3000:]
    status, body, elapsed = json.loads(out.stdout.strip().splitlines()[-1])
    return status, body, elapsed


def test_refused_redis_makes_healthz_a_prompt_503():
    # Given nothing listens where Redis should be
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, body, elapsed = _healthz_in_a_fresh_process(f"redis://127.0.0.1:{port}/0")

    # Then everything that needs Redis is reported down, the database still up, and quickly
    assert status == 503
    assert body["status"] == "degraded"
    assert {name for name, part in body["checks"].items() if not part["ok"]} == {
        "redis",
        "channel_layer",
        "celery",
    }
    assert body["checks"]["database"]["ok"]
    # Each failure is the refusal itself, found at once, not the deadline running out
    assert not any("no answer within" in part.get("error", "") for part in body["checks"].values()), body
    assert elapsed < 10, f"healthz took {elapsed:.1f} s with Redis refusing connections"


def test_redis_that_never_answers_makes_healthz_503_at_the_deadline():
    """A Redis that accepts connections but never replies (hung, or packets dropped) must not hang healthz."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the handshakes; nobody ever reads or answers
        status, body, elapsed = _healthz_in_a_fresh_process(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")

    assert status == 503
    assert {name for name, part in body["checks"].items() if not part["ok"]} == {
        "redis",
        "channel_layer",
        "celery",
    }
    # The cache's own socket timeout or the health check's deadline, whichever comes first.
    assert any(word in body["checks"]["redis"]["error"] for word in ("no answer within", "Timeout")), body
    assert body["checks"]["database"]["ok"]
    assert elapsed < 10, f"healthz took {elapsed:.1f} s with a silent Redis (deadline 4 s)"
