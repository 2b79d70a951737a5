"""Who hears what, and when. Each trigger creates at most one notification per user (the dedupe key), pushes it live
to the user's own socket channel after commit, and queues its e-mail."""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from auctions.events import publish_user_event
from auctions.models import Auction, AuctionStatus
from bidding.models import Bid
from config.rows import insert_unless_taken

from . import tasks
from .models import Notification, NotificationKind, Watch


def _lot_data(auction: Auction) -> dict:
    return {
        "auction_id": auction.pk,
        "lot_number": auction.lot_number,
        "sale_date": auction.sale.starts_on.isoformat(),
        "horse_name": auction.horse.name,
    }


def notification_event(notification: Notification) -> dict:
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "auction_id": notification.auction_id,
        "data": notification.data,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def notification_create(
    *, user_id: int, kind: str, dedupe_key: str, auction=None, auction_id=None, data=None, email: bool = True
) -> Notification | None:
    """Create one notification unless this trigger already made it; None when it did (a retried task).
    Pushed live to the user's sockets; also e-mailed unless `email` is False."""
    notification = Notification(
        user_id=user_id,
        kind=kind,
        dedupe_key=dedupe_key,
        auction_id=auction.pk if auction is not None else auction_id,
        data=data or {},
        email_wanted=email,
    )
    try:
        if not insert_unless_taken(notification, fields=_NOTIFICATION_FIELDS, sql=_INSERT_NOTIFICATION_SQL):
            return None
    except IntegrityError:  # its user or lot deleted meanwhile: a deferred foreign key, checked as it commits
        return None
    publish_user_event(user_id, notification_event(notification))
    if email:
        transaction.on_commit(lambda: _queue_email(notification.pk), robust=True)
    return notification


# Only the trigger's constraint (notifications_once_per_trigger) is a conflict to skip. One statement: the ORM's
# insert in a transaction of its own (to catch that constraint) took three round trips of every outbid notice.
_NOTIFICATION_FIELDS = ("user", "kind", "auction", "data", "dedupe_key", "created_at", "email_wanted")
_INSERT_NOTIFICATION_SQL = """
    INSERT INTO notifications_notification (user_id, kind, auction_id, data, dedupe_key, created_at, email_wanted)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (user_id, dedupe_key) DO NOTHING
    RETURNING id
"""


def _queue_email(notification_id: int) -> None:
    tasks.send_notification_email.delay(notification_id)


def notify_outbid(*, auction_id: int, user_id: int, bid_id: int) -> Notification | None:
    """The previous high bidder was outbid by bid `bid_id`."""
    # In a bidding war one is outbid every few seconds: every outbid is listed and pushed live, but only the
    # first of a run is e-mailed (none if another came within OUTBID_EMAIL_QUIET_SECONDS).
    quiet_since = timezone.now() - timedelta(seconds=settings.OUTBID_EMAIL_QUIET_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTBID_SQL,
            [user_id, NotificationKind.OUTBID, connection.ops.adapt_datetimefield_value(quiet_since), bid_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Bid.DoesNotExist(f"bid {bid_id} no longer exists")
    bidder_id, amount, lot_auction_id, lot_number, sale_date, horse_name, recently_told = row
    if bidder_id == user_id:
        return None
    if not isinstance(sale_date, date):  # SQLite hands a raw query's dates back as text
        sale_date = date.fromisoformat(sale_date)
    lot = {"auction_id": lot_auction_id, "lot_number": lot_number, "sale_date": sale_date.isoformat()}
    return notification_create(
        user_id=user_id,
        kind=NotificationKind.OUTBID,
        dedupe_key=f"outbid:{bid_id}",
        auction_id=lot_auction_id,
        data={**lot, "horse_name": horse_name, "amount": amount},
        email=not recently_told,
    )


# Every outbid of a busy sale runs this: the bid's lot values and "told within the quiet window" in one statement.
# As two ORM queries (values() over three joins, and exists()) they were compiled anew for every outbid and took
# over half of the notice's time in scenario (b) (bench/RESULTS.md, session 16).
_OUTBID_SQL = """
    SELECT b.bidder_id, b.amount, b.auction_id, a.lot_number, s.starts_on, h.name,
        EXISTS (
            SELECT 1 FROM notifications_notification n
            WHERE n.user_id = %s AND n.auction_id = b.auction_id AND n.kind = %s AND n.created_at >= %s
        )
    FROM bidding_bid b
    INNER JOIN auctions_auction a ON a.id = b.auction_id
    INNER JOIN auctions_sale s ON s.id = a.sale_id
    INNER JOIN horses_horse h ON h.id = a.horse_id
    WHERE b.id = %s
"""


def notify_auction_result(*, auction_id: int) -> list[Notification]:
    """After the close: the winner hears they won, every other bidder that they lost, the consignor the result."""
    auction = Auction.objects.select_related("horse", "sale").get(pk=auction_id)
    if auction.status not in (AuctionStatus.SOLD, AuctionStatus.UNSOLD):
        return []
    data = {**_lot_data(auction), "status": auction.status, "hammer_price": auction.hammer_price}
    created = []
    bidder_ids = Bid.objects.filter(auction=auction).values_list("bidder_id", flat=True).distinct()
    for bidder_id in bidder_ids:
        won = bidder_id == auction.winner_id
        created.append(
            notification_create(
                user_id=bidder_id,
                kind=NotificationKind.WON if won else NotificationKind.LOST,
                dedupe_key=f"result:{auction.pk}",
                auction=auction,
                data=data,
            )
        )
    if auction.horse.consignor_id:
        created.append(
            notification_create(
                user_id=auction.horse.consignor_id,
                kind=NotificationKind.CONSIGNOR_RESULT,
                dedupe_key=f"consignor:{auction.pk}",
                auction=auction,
                data={**data, "bid_count": auction.bid_count, "reserve_met": auction.reserve_met},
            )
        )
    return [n for n in created if n is not None]


def notify_watchers_started(*, auction_id: int) -> list[Notification]:
    auction = Auction.objects.select_related("horse", "sale").get(pk=auction_id)
    data = {**_lot_data(auction), "ends_at": auction.ends_at.isoformat() if auction.ends_at else None}
    created = [
        notification_create(
            user_id=user_id,
            kind=NotificationKind.WATCH_STARTED,
            dedupe_key=f"started:{auction.pk}",
            auction=auction,
            data=data,
        )
        for user_id in Watch.objects.filter(auction=auction).values_list("user_id", flat=True)
    ]
    return [n for n in created if n is not None]


def notify_closing_soon(*, now=None) -> list[Notification]:
    """Followers of every lot with NOTIFY_CLOSING_SOON_SECONDS or less left hear it once per lot."""
    now = now or timezone.now()
    soon = now + timedelta(seconds=settings.NOTIFY_CLOSING_SOON_SECONDS)
    created = []
    auctions = Auction.objects.select_related("horse", "sale").filter(
        status=AuctionStatus.ACTIVE, ends_at__gt=now, ends_at__lte=soon, watches__isnull=False
    )
    for auction in auctions.distinct():
        data = {**_lot_data(auction), "ends_at": auction.ends_at.isoformat()}
        for user_id in Watch.objects.filter(auction=auction).values_list("user_id", flat=True):
            notification = notification_create(
                user_id=user_id,
                kind=NotificationKind.WATCH_CLOSING,
                dedupe_key=f"closing:{auction.pk}",
                auction=auction,
                data=data,
            )
            if notification:
                created.append(notification)
    return created


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def watch_follow(*, user, auction: Auction) -> Watch:
    watch, _created = Watch.objects.get_or_create(user=user, auction=auction)
    return watch


def watch_unfollow(*, user, auction: Auction) -> None:
    Watch.objects.filter(user=user, auction=auction).delete()
