"""What is read at scrape time (the Celery queue, a Redis round trip, the database pool), the Celery task lag, and
the worker's own exporter (config.metrics_export)."""

import socket
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_redis import get_redis_connection
from prometheus_client import REGISTRY

from config import metrics, metrics_export
from config.celery import _stamp_enqueue_time

TOKEN = "w" * 40


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_queue_depth_is_the_length_of_the_brokers_lists_every_priority_included():
    redis = get_redis_connection("default")  # the test settings' broker is the same Redis database
    redis.rpush("celery", "a", "b", "c")
    redis.rpush("celery\x06\x169", "d")  # kombu's list for priority step 9
    pings = value("umaseri_redis_command_duration_seconds_count", command="ping")

    metrics_export.refresh()

    assert value("umaseri_celery_queue_length", queue="celery") == 4
    assert value("umaseri_redis_command_duration_seconds_count", command="ping") == pings + 1
    redis.delete("celery", "celery\x06\x169")
    metrics_export.refresh()
    assert value("umaseri_celery_queue_length", queue="celery") == 0


class FakePool:
    def __init__(self, **stats):
        self.stats = stats

    def get_stats(self):
        return dict(self.stats)


def test_the_pool_gauges_follow_get_stats_and_its_counters_add_only_what_is_new(monkeypatch):
    from django.db import connections

    wrapper = connections["default"]
    pool = FakePool(pool_max=16, pool_size=5, pool_available=2, requests_waiting=1, requests_num=10, requests_wait_ms=0)
    monkeypatch.setattr(type(wrapper), "_connection_pools", {"default": pool}, raising=False)
    monkeypatch.setattr(metrics, "_pool_seen", {})
    requests = value("umaseri_db_pool_requests_total", alias="default")

    metrics.record_db_pool()
    pool.stats.update(requests_num=25, requests_wait_ms=1500, pool_available=5, requests_waiting=0)
    metrics.record_db_pool()

    assert value("umaseri_db_pool_max_connections", alias="default") == 16
    assert value("umaseri_db_pool_connections", alias="default") == 5
    assert value("umaseri_db_pool_connections_in_use", alias="default") == 0
    assert value("umaseri_db_pool_waiting_requests", alias="default") == 0
    assert value("umaseri_db_pool_requests_total", alias="default") == requests + 25


def test_every_published_task_carries_the_time_it_was_sent():
    headers = {}
    before = time.time()
    _stamp_enqueue_time(headers=headers)
    assert before <= headers[metrics.ENQUEUED_AT_HEADER] <= time.time()


def task(name, **request):
    return SimpleNamespace(name=name, request=SimpleNamespace(**{"is_eager": False, "eta": None, **request}))


def test_task_lag_runs_from_the_enqueue_or_from_a_later_eta():
    sent = 1_000_000.0
    lag = "umaseri_celery_task_lag_seconds_sum"
    before = value(lag, task="t.plain"), value(lag, task="t.eta")

    metrics.observe_task_start(task("t.plain", umaseri_enqueued_at=sent), now=sent + 2)
    metrics.observe_task_start(
        task("t.eta", umaseri_enqueued_at=sent, eta="1970-01-12T13:46:50+00:00"),  # sent + 10 s
        now=sent + 12,
    )

    assert value(lag, task="t.plain") - before[0] == pytest.approx(2)
    assert value(lag, task="t.eta") - before[1] == pytest.approx(2)


def test_a_task_run_inline_or_without_a_stamp_records_no_lag():
    count = "umaseri_celery_task_lag_seconds_count"
    metrics.observe_task_start(SimpleNamespace(name="t.eager", request=SimpleNamespace(is_eager=True, eta=None)))
    metrics.observe_task_start(task("t.unstamped"))
    assert value(count, task="t.eager") == value(count, task="t.unstamped") == 0


def test_the_worker_exporter_needs_a_multiprocess_directory(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with pytest.raises(ImproperlyConfigured, match="PROMETHEUS_MULTIPROC_DIR"):
        metrics_export.start_worker_exporter("127.0.0.1", 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
def test_the_worker_exporter_serves_its_children_with_the_token_and_clears_an_earlier_runs_files(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    stale = tmp_path / "counter_999999999.db"
    stale.write_bytes(b"")
    port = _free_port()
    server = metrics_export.start_worker_exporter("127.0.0.1", port)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert not stale.exists()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 404
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
    finally:
        server.shutdown()
        server.server_close()
