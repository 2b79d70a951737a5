"""Beat-driven work of the lifecycle: scheduled lots start by themselves (rule 2), expired lots close (rule 5), and
every active lot's clock is broadcast once a second. Each task loads by id and calls a service."""

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config import metrics

from .availability import availability_beat
from .events import auction_group, auction_timer_event, relay_pending_room_events, send_paced
from .models import Auction, AuctionStatus
from .selectors import auction_due_ids
from .services import auction_close_due, auction_start_if_due
from .signals import deliver_pending

logger = logging.getLogger(__name__)


@shared_task(name="auctions.start_due_auctions", ignore_result=True)
def start_due_auctions() -> list[int]:
    """Start every scheduled auction whose time has come; beat runs this once a second.

    Each start is its own transaction under the auction's row lock, so two runs at once (a slow worker and the
    next tick) start each auction exactly once; one auction that fails does not hold up the others.
    """
    started = []
    for auction_id in auction_due_ids(now=timezone.now()):
        try:
            if auction_start_if_due(auction_id=auction_id) is not None:
                started.append(auction_id)
        except Exception:
            logger.exception("scheduled start of auction %s failed", auction_id)
    return started


@shared_task(name="auctions.close_expired_auctions", ignore_result=True)
def close_expired_auctions() -> list[int]:
    # First the closer's own sign of life: after a silence (workers, broker or database down), the outage is on
    # record before any lot whose last window it overlapped is looked at (rule 12).
    availability_beat(source="closer")
    return auction_close_due()


@shared_task(name="auctions.broadcast_timers", ignore_result=True)
def broadcast_timers() -> int:
    metrics.observe_tick()
    # A paused lot's clock stands still: its watchers hold `auction:paused` and hear nothing until it resumes.
    active = Auction.objects.filter(status=AuctionStatus.ACTIVE, paused_at__isnull=True).values_list(
        "pk", "ends_at", "seq"
    )
    ticks = [
        (auction_group(auction_id), partial(_tick, auction_id=auction_id, ends_at=ends_at, seq=seq))
        for auction_id, ends_at, seq in active
    ]
    send_paced(ticks, over=settings.TIMER_SPREAD_MS / 1000)
    return len(ticks)


def _tick(*, auction_id: int, ends_at, seq: int) -> dict:
    # Built as it leaves (the ticks are spread over part of the second): the time left is read then. A lot
    # extended meanwhile has a higher seq, so the SPA ignores this older tick.
    return auction_timer_event(auction_id=auction_id, ends_at=ends_at, now=timezone.now(), seq=seq)


@shared_task(name="auctions.deliver_domain_events", ignore_result=True)
def deliver_domain_events() -> int:
    """The outbox sweep: events whose delivery after commit failed (a broker outage) are delivered now."""
    return deliver_pending()


@shared_task(name="auctions.relay_room_events", ignore_result=True)
def relay_room_events() -> int:
    """The room events' outbox sweep: what could not be sent after its commit (Redis away) is sent now."""
    return relay_pending_room_events()
