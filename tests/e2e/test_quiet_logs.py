"""A real Celery worker and beat, started as `make run` starts them (INFO), over 30 quiet seconds: the per-second
tasks run all the while, and their output has no per-second lines; a lot that closes meanwhile is still told."""

import time
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from config.celery import app
from config.logs import PeriodicTaskNoise
from tests.bidding.factories import ActiveAuctionFactory
from tests.live_stack import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUIET_SECONDS = 30


def _worker_task_totals(broker_url: str) -> dict[str, int]:
    """How many tasks of each name the stack's worker has run (its remote-control `stats`)."""
    # An app of its own on the stack's broker: control replies are awaited on the app's configured broker.
    # set_as_current=False: a second app made current would take over every shared_task of this test process
    # (they would then be sent to its broker instead of running eagerly in the tests that follow).
    stats = Celery("quiet-logs-probe", broker=broker_url, set_as_current=False).control.inspect(timeout=5).stats() or {}
    totals: dict[str, int] = {}
    for worker in stats.values():
        for name, count in worker.get("total", {}).items():
            totals[name] = totals.get(name, 0) + count
    return totals


def test_thirty_quiet_seconds_of_worker_and_beat_print_no_per_second_lines():
    # A lot that ends a few seconds into the window: its close is an event worth a line
    lot = ActiveAuctionFactory(remaining=60, reserve_price=None)
    with LiveStack(servers=0, worker=True, beat=True).running() as stack:
        type(lot).objects.filter(pk=lot.pk).update(ends_at=timezone.now() + timedelta(seconds=5))
        offsets = {log.name: len(log.read_bytes()) for log in stack.logs}
        time.sleep(QUIET_SECONDS)
        window = {log.name: log.read_bytes()[offsets[log.name] :].decode(errors="replace") for log in stack.logs}
        totals = _worker_task_totals(stack.broker_url)

    lines = [line for text in window.values() for line in text.splitlines() if line.strip()]
    print(f"\n{len(lines)} lines in {QUIET_SECONDS} s; periodic tasks run by the worker: {totals}\n" + "\n".join(lines))
    periodic = PeriodicTaskNoise.periodic_task_names()
    # The periodic tasks did run all along: at least half as often as the beat schedule asks over the window.
    for entry in app.conf.beat_schedule.values():
        assert totals.get(entry["task"], 0) >= QUIET_SECONDS / float(entry["schedule"]) / 2, (entry, totals)
    # Yet no line names one of them, and the output does not grow with the seconds.
    assert [line for line in lines if any(name in line for name in periodic)] == []
    assert len(lines) < QUIET_SECONDS // 2
    # What matters still shows: the close of the lot.
    assert any(f"auction {lot.pk} closed" in line for line in window["worker.log"].splitlines())
