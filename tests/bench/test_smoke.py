"""The load benchmark's own smoke run: 20 sockets over 2 auctions for a few seconds, on servers it starts itself.

It checks that the tool still works end to end and that across two daphne processes no broadcast is lost.
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
        timeout=240,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(output.read_text()), completed.stdout


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
    ):
        assert key in results, key
    assert set(results["connect"]) == {"burst", "serial"}
    assert {"socket", "rest"} <= set(results["bids"])
    assert {"p50", "p95", "p99", "max", "count"} <= set(results["delivery"]["update_each"])
    assert {"daphne-0", "daphne-1", "worker", "beat"} <= set(results["servers"])
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
