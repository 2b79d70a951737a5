"""Beat-driven work of the lifecycle: scheduled auctions start by themselves (DESIGN.md rule 2)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="auctions.start_due_auctions", ignore_result=True)
def start_due_auctions() -> list[int]:
    """Start every scheduled auction whose time has come; beat runs this once a second.

    Each start is its own transaction under the auction's row lock, so two runs at once (a slow worker and the
    next tick) start each auction exactly once; one auction that fails does not hold up the others.
    """
    from django.utils import timezone

    from .selectors import auction_due_ids
    from .services import auction_start_if_due

    started = []
    for auction_id in auction_due_ids(now=timezone.now()):
        try:
            if auction_start_if_due(auction_id=auction_id) is not None:
                started.append(auction_id)
        except Exception:
            logger.exception("scheduled start of auction %s failed", auction_id)
    return started
