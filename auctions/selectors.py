"""Reads on auctions. `auction_snapshot` is the one description of an auction's state: the REST detail and list,
and the socket's `auction:state`, all send it."""

from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import is_organizer

from .increments import min_next_bid
from .models import Auction, AuctionStatus
from .wire import iso, ms, paddle_of, server_time_ms


def horse_summary(horse) -> dict:
    photos = list(horse.photos.all()[:1]) if horse.pk else []
    return {
        "id": horse.pk,
        "name": horse.name,
        "sex": horse.sex,
        "colour": horse.colour,
        "foaling_year": horse.foaling_year,
        "sire": horse.sire,
        "dam": horse.dam,
        "dams_sire": horse.dams_sire,
        "breeder": horse.breeder,
        "location": horse.location,
        "photo": photos[0].image.url if photos else None,
    }


def auction_snapshot(*, auction: Auction, viewer=None) -> dict:
    """The full state of one auction as JSON-able data, for this viewer.

    The reserve price is included only for organizers (rule 9); everyone sees whether it is met. Bidders appear
    by paddle number only (rule 8). Times are ISO strings, and as `*_ms` for countdowns; `server_time` is the
    server's clock in ms, so a client can measure its own offset.
    """
    open_for_bids = auction.status in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)
    snapshot = {
        "id": auction.pk,
        "seq": auction.seq,
        "lot_number": auction.lot_number,
        "sale_date": auction.sale_date.isoformat() if isinstance(auction.sale_date, date) else None,
        "status": auction.status,
        "start_price": auction.start_price,
        "current_price": auction.current_price,
        "min_next_bid": min_next_bid(
            start_price=auction.start_price,
            current_price=auction.current_price,
            table=auction.effective_increment_table,
        )
        if open_for_bids
        else None,
        "increment_table": auction.effective_increment_table,
        # The fat-finger guard in force, so a client can say before a bid what the highest acceptable amount is.
        "max_jump": auction.max_jump or settings.BID_MAX_JUMP,
        "bid_count": auction.bid_count,
        "extension_count": auction.extension_count,
        "reserve_met": auction.reserve_met,
        "has_reserve": auction.reserve_price is not None,
        "starts_at": iso(auction.starts_at),
        "starts_at_ms": ms(auction.starts_at),
        "started_at": iso(auction.started_at),
        "started_at_ms": ms(auction.started_at),
        "ends_at": iso(auction.ends_at),
        "ends_at_ms": ms(auction.ends_at),
        "closed_at": iso(auction.closed_at),
        "closed_at_ms": ms(auction.closed_at),
        "max_ends_at": iso(auction.max_ends_at),
        "max_ends_at_ms": ms(auction.max_ends_at),
        "server_time": server_time_ms(),
        "duration_seconds": auction.duration_seconds,
        "extension_window_seconds": auction.extension_window_seconds,
        "high_bidder_paddle": paddle_of(auction.high_bidder) if auction.high_bidder_id else None,
        "hammer_price": auction.hammer_price,
        "winner_paddle": paddle_of(auction.winner) if auction.winner_id else None,
        "cancel_reason": auction.cancel_reason,
        "horse": horse_summary(auction.horse),
    }
    if is_organizer(viewer):
        snapshot["reserve_price"] = auction.reserve_price
    return snapshot


def auction_list(*, viewer=None, statuses: list[str] | None = None, sale_date: date | None = None) -> QuerySet[Auction]:
    """Auctions in sale order, with what a snapshot needs loaded up front. Drafts are the organizers' work in
    progress: only organizers see them."""
    queryset = Auction.objects.select_related("horse", "high_bidder", "winner").prefetch_related("horse__photos")
    if not is_organizer(viewer):
        queryset = queryset.exclude(status=AuctionStatus.DRAFT)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if sale_date is not None:
        queryset = queryset.filter(sale_date=sale_date)
    return queryset.order_by("sale_date", "lot_number", "pk")


def auction_get(*, auction_id: int, viewer=None) -> Auction | None:
    """One auction as `viewer` may see it (None for a draft unless they are an organizer)."""
    return auction_list(viewer=viewer).filter(pk=auction_id).first()


def auction_due_ids(*, now: datetime, limit: int = 200) -> list[int]:
    """Scheduled auctions whose start time has come (the oldest first)."""
    return list(
        Auction.objects.filter(status=AuctionStatus.SCHEDULED, starts_at__lte=now)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
