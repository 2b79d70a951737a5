"""End to end: with a real Celery beat and worker, a scheduled lot starts by itself at its time, and a watcher
connected to a real daphne hears `auction:started`. The delay is printed; the bound is loose (shared machine)."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
import websockets
from django.utils import timezone

from auctions.models import AuctionStatus
from tests.auctions.factories import ScheduledAuctionFactory
from tests.live_stack import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(django_db_blocker):
    live = LiveStack(servers=1)
    with live.running():
        yield live


def test_scheduled_lot_starts_by_itself_and_watchers_hear_it(stack):
    # Given a lot scheduled three seconds from now, and a watcher in its room
    starts_at = timezone.now() + timedelta(seconds=3)
    auction = ScheduledAuctionFactory(starts_at=starts_at, duration_seconds=120)

    async def watch() -> tuple[dict, dict]:
        async with websockets.connect(stack.ws_url(0), origin="http://localhost") as socket:
            await socket.send(json.dumps({"type": "auction:join", "auction_id": auction.pk}))
            state = None
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=deadline - time.monotonic()))
                if message["type"] == "auction:state":
                    state = message
                if message["type"] == "auction:started" and message["auction_id"] == auction.pk:
                    return state, message
            raise TimeoutError("no auction:started")

    # When nobody does anything but wait
    state, started = asyncio.run(watch())

    # Then beat's task started it, and the room was told
    assert state["status"] == "scheduled"
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    delay = (auction.started_at - starts_at).total_seconds()
    print(f"\nscheduled start ran {delay * 1000:.0f} ms after starts_at")
    assert 0 <= delay < 3
    assert started["ends_at_ms"] == int(auction.ends_at.timestamp() * 1000)
    assert auction.ends_at == auction.started_at + timedelta(seconds=120)
