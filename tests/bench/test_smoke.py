"""The load benchmark's own smoke run: 20 sockets over 2 auctions for a few seconds, on servers it starts itself.

It checks that the tool still works end to end, that across the socket pool's two processes no broadcast is lost
(REST goes to a daphne pool of its own), and that
/metrics of every server process shows each series of issue 17 (the bench scrapes them before it stops the servers).
No timing is asserted: the figures belong to the benchmark's report, not to the test suite.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "smoke.json"
    db = settings.DATABASES["default"]
    # Its own throwaway database beside the test database, and the test's Redis DB (the suite flushes it anyway).
    name = f"{os.environ.get('TEST_DB_NAME', 'test_umaseri')}_bench_smoke"
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--scenario",
            "smoke",
            "--no-nginx",
            "--no-plot",
            "--baseline",
            "--database-url",
            database_url,
            "--redis-url",
            settings.REDIS_URL,
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(output.read_text()), completed.stdout


def test_the_bare_baseline_runs_first_on_the_same_load_and_every_figure_is_put_beside_it(smoke, tmp_path_factory):
    results, stdout = smoke
    bare = json.loads(next(tmp_path_factory.getbasetemp().glob("bench*/smoke-bare.json")).read_text())
    # The bare server was driven by the same load generator: every socket in, every update and tick delivered.
    assert bare["config"]["server"] == "bare"
    assert bare["connect_phase"]["sockets_connected"] == 20
    assert bare["bids"]["accepted"] > 0
    assert bare["delivered"]["total"]["delivered"] == bare["delivered"]["total"]["expected"] > 0
    assert bare["timer_ticks"]["delivered"] == bare["timer_ticks"]["expected"] > 0
    rows = {row["what"]: row for row in results["baseline"]["rows"]}
    cpu = rows["socket pool CPU per delivered message"]
    assert cpu["bare"] == bare["cpu_per_message_us"]["us"]
    assert cpu["platform"] == results["cpu_per_message_us"]["us"]
    assert cpu["ratio"] == round(cpu["platform"] / cpu["bare"], 1)
    assert results["baseline"]["cpu_within_twice_bare"] == (cpu["ratio"] <= 2)
    assert "| figure | bare | platform | platform ÷ bare |" in stdout


def test_the_smoke_run_reports_every_section_of_the_figures(smoke):
    results, _stdout = smoke
    for key in (
        "connect",
        "bids",
        "delivery",
        "delivered",
        "rest",
        "database",
        "redis",
        "servers",
        "memory",
        "targets",
        "machine",
        "bid_query_count",
        "metrics",
    ):
        assert key in results, key
    assert set(results["connect"]) == {"burst", "serial"}
    assert {"socket", "rest"} <= set(results["bids"])
    assert {"p50", "p95", "p99", "max", "count"} <= set(results["delivery"]["update_each"])
    assert {"ws-0", "ws-1", "rest-0", "worker", "beat"} <= set(results["servers"])
    assert results["errors"] == []


def test_every_socket_joins_and_bids_are_taken_over_the_socket_and_rest(smoke):
    results, _stdout = smoke
    assert results["connect_phase"]["sockets_connected"] == 20
    assert results["rooms"] == {"count": 2, "sockets_min": 10, "sockets_max": 10}
    assert results["bids"]["accepted"] > 0
    assert results["bids"]["in_database_by_source"].get("ws", 0) > 0


def test_no_broadcast_is_lost_across_two_servers(smoke):
    results, _stdout = smoke
    update = results["delivered"]["auction:update"]
    assert update["expected"] == update["events"] * 10 > 0
    assert update["delivered"] == update["expected"]
    assert update["duplicates"] == 0
    assert results["delivered"]["total"]["delivered"] == results["delivered"]["total"]["expected"]


def test_the_table_compares_each_figure_with_its_target(smoke):
    _results, stdout = smoke
    assert "| what | target | measured | holds? |" in stdout
    assert "bid delivered to every watcher" in stdout
    assert "broadcasts delivered / expected" in stdout


# Issue 17's series, by the process that records them. After the smoke run each must have a non-zero sample there.
# (Every server answered the bench's warm-up requests, so each has HTTP series.)
ON_EVERY_SERVER = [
    "umaseri_bids",
    "umaseri_bid_place_duration_seconds",
    "django_http_requests_latency_seconds_by_view_method",
    "django_http_responses_total_by_status_view_method",
    "django_db_query_duration_seconds",
]
ON_EVERY_SOCKET_SERVER = [
    "umaseri_ws_open_sockets",
    "umaseri_ws_connections",
    "umaseri_ws_disconnections",
    "umaseri_ws_room_joins",
    "umaseri_ws_room_leaves",
    "umaseri_event_delivery_seconds",
]
ON_THE_WORKER = [
    "umaseri_celery_task_lag_seconds",
    "umaseri_auction_close_lag_seconds",
    "umaseri_timer_tick_skew_seconds",
    "umaseri_timer_tick_last_run_timestamp_seconds",
    "django_db_query_duration_seconds",
]
ON_EVERY_PROCESS = [
    "umaseri_db_pool_connections",
    "umaseri_db_pool_max_connections",
    "umaseri_db_pool_requests",
    "umaseri_redis_command_duration_seconds",
    "umaseri_celery_queue_length",
]
# Read at the moment of the scrape: zero when nothing waits, which is the truth after the bidding. They must be there.
PRESENT_ON_EVERY_PROCESS = ["umaseri_db_pool_connections_in_use", "umaseri_db_pool_waiting_requests"]


def test_each_server_process_serves_metrics_with_the_token_and_refuses_without(smoke):
    results, _stdout = smoke
    metrics = results["metrics"]
    assert set(metrics["processes"]) == {"ws-0", "ws-1", "rest-0", "worker"}
    assert metrics["refused_without_token"] == {"ws-0": 404, "ws-1": 404, "rest-0": 404, "worker": 404}


def test_every_metric_has_non_zero_samples_in_the_process_that_records_it(smoke):
    results, _stdout = smoke
    processes = results["metrics"]["processes"]
    expected = {
        "ws-0": ON_EVERY_SERVER + ON_EVERY_SOCKET_SERVER + ON_EVERY_PROCESS,
        "ws-1": ON_EVERY_SERVER + ON_EVERY_SOCKET_SERVER + ON_EVERY_PROCESS,
        "rest-0": ON_EVERY_SERVER + ON_EVERY_PROCESS,
        "worker": ON_THE_WORKER + ON_EVERY_PROCESS,
    }
    missing = [
        f"{process}: {name}"
        for process, names in expected.items()
        for name in names
        if processes[process]["families"].get(name, {}).get("nonzero", 0) == 0
    ]
    absent = [
        f"{process}: {name}"
        for process in expected
        for name in PRESENT_ON_EVERY_PROCESS
        if processes[process]["families"].get(name, {}).get("samples", 0) == 0
    ]
    assert missing == []
    assert absent == []


def test_the_bid_counters_add_up_to_the_bids_in_the_database(smoke):
    results, _stdout = smoke
    accepted: dict[str, float] = {}
    for process in ("ws-0", "ws-1", "rest-0"):
        for sample, value in results["metrics"]["processes"][process]["values"].items():
            if sample.startswith("umaseri_bids_total{outcome=accepted,"):
                source = sample.rsplit("source=", 1)[1].rstrip("}")
                accepted[source] = accepted.get(source, 0) + value
    in_database = {source: count for source, count in results["bids"]["in_database_by_source"].items() if count}
    assert accepted == in_database
    assert accepted.get("ws", 0) > 0


def test_the_sockets_gauge_counts_every_socket_still_open(smoke):
    results, _stdout = smoke
    open_sockets = sum(
        results["metrics"]["processes"][process]["values"]["umaseri_ws_open_sockets{}"] for process in ("ws-0", "ws-1")
    )
    # The 20 sockets of the run are still open when the scrape comes; a one-at-a-time probe may be open too.
    assert open_sockets >= results["connect_phase"]["sockets_connected"] == 20


def test_the_worker_shows_the_close_and_the_queue_backlog(smoke):
    results, _stdout = smoke
    worker = results["metrics"]["processes"]["worker"]["values"]
    # One lot of the smoke run ends a second into the bidding; the worker closes it and measures how late.
    assert worker["umaseri_auction_close_lag_seconds_count{}"] == 1
    # The bench stops the worker taking tasks just before the scrape: beat's tasks wait in the queue meanwhile.
    assert worker["umaseri_celery_queue_length{queue=lifecycle}"] >= results["metrics"]["queue_backlog"] >= 2


def test_the_report_gives_the_servers_own_delivery_and_bid_histograms(smoke):
    results, stdout = smoke
    quantiles = results["metrics"]["processes"]["ws-0"]["quantiles"]
    update = quantiles["umaseri_event_delivery_seconds{event=auction:update}"]
    assert update["count"] > 0
    assert "ws-0 room event, publisher's stamp → its last socket in the process {event=auction:update" in stdout


def test_one_at_a_time_connects_come_from_a_probe_process_that_holds_no_socket(smoke):
    results, _stdout = smoke
    assert results["connect"]["serial"]["total"]["count"] > 0
    assert results["client"]["probe_loop_lag"]["count"] > 0
    assert "loadgen-connect-probe" in results["servers"]
    assert results["connect_phase"]["sockets_connected"] == results["connect_phase"]["sockets_wanted"]
