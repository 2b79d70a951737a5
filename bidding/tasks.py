"""Beat-driven work of the bidding engine: the close of expired auctions and the once-a-second timer tick."""

from celery import shared_task


@shared_task(name="bidding.close_expired_auctions", ignore_result=True)
def close_expired_auctions() -> list[int]:
    from .services import auction_close_due

    return auction_close_due()


@shared_task(name="bidding.broadcast_timers", ignore_result=True)
def broadcast_timers() -> int:
    """One `auction:timer` per active auction, spread over the first half of the second (TIMER_SPREAD_SECONDS);
    each tick's remaining time is read when it leaves."""
    from functools import partial

    from django.conf import settings
    from django.utils import timezone

    from auctions.events import auction_group, send_to_groups_spread
    from auctions.models import Auction, AuctionStatus

    from .events import auction_timer_event

    def tick(auction_id, ends_at) -> dict:
        return auction_timer_event(auction_id=auction_id, ends_at=ends_at, now=timezone.now())

    active = list(Auction.objects.filter(status=AuctionStatus.ACTIVE).values_list("pk", "ends_at"))
    items = [(auction_group(auction_id), partial(tick, auction_id, ends_at)) for auction_id, ends_at in active]
    send_to_groups_spread(items, over=settings.TIMER_SPREAD_SECONDS)
    return len(items)
