"""What notifications react to: the domain signals of the lifecycle and of the bids, each sent after its
transaction commits. A receiver only queues the task; the task loads by id and calls a service."""

from django.dispatch import receiver

from auctions.signals import lot_closed, lot_started
from bidding.signals import bid_accepted

from . import tasks


@receiver(bid_accepted, dispatch_uid="notifications.outbid")
def queue_outbid(*, auction_id: int, bid_id: int, outbid_user_id: int | None, **kwargs) -> None:
    if outbid_user_id is not None:
        tasks.notify_outbid.delay(auction_id=auction_id, user_id=outbid_user_id, bid_id=bid_id)


@receiver(lot_closed, dispatch_uid="notifications.result")
def queue_result(*, auction_id: int, **kwargs) -> None:
    tasks.notify_auction_result.delay(auction_id=auction_id)


@receiver(lot_started, dispatch_uid="notifications.started")
def queue_started(*, auction_id: int, **kwargs) -> None:
    tasks.notify_watchers_started.delay(auction_id=auction_id)
