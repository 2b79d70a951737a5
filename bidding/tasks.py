"""Beat-driven work of the bidding engine: the close of expired auctions and the once-a-second timer tick."""

from celery import shared_task


@shared_task(name="bidding.close_expired_auctions", ignore_result=True)
def close_expired_auctions() -> list[int]:
    from .services import auction_close_due

    return auction_close_due()


@shared_task(name="bidding.broadcast_timers", ignore_result=True)
def broadcast_timers() -> int:
    from django.utils import timezone

    from auctions.events import auction_group, send_to_groups_now
    from auctions.models import Auction, AuctionStatus

    from .events import auction_timer_event

    now = timezone.now()
    active = Auction.objects.filter(status=AuctionStatus.ACTIVE).values_list("pk", "ends_at")
    messages = [
        (auction_group(auction_id), auction_timer_event(auction_id=auction_id, ends_at=ends_at, now=now))
        for auction_id, ends_at in active
    ]
    send_to_groups_now(messages)
    return len(messages)
