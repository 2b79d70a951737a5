"""Reads on auctions. `auction_snapshot` is the one description of an auction's state: the REST detail and list,
and the socket's `auction:state`, all send it."""

from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import is_organizer

from .increments import min_next_bid
from .models import Auction, AuctionStatus, Invoice, Sale
from .pricing import CONSUMPTION_TAX_RATE, buyer_total, rate_text
from .wire import iso, ms, paddle_of, server_time_ms


def _english(horse, position: str) -> str:
    return ((horse.pedigree or {}).get(position) or {}).get("en", "")


def horse_summary(horse) -> dict:
    photos = list(horse.photos.all()[:1]) if horse.pk else []
    return {
        "id": horse.pk,
        "name": horse.name,
        "name_en": horse.name_en,
        "sex": horse.sex,
        "colour": horse.colour,
        "foaling_year": horse.foaling_year,
        "sire": horse.sire,
        "dam": horse.dam,
        "dams_sire": horse.dams_sire,
        # The catalogue cards' English names (the pedigree's romaji; empty when none was given)
        "sire_en": _english(horse, "s"),
        "dam_en": _english(horse, "d"),
        "dams_sire_en": _english(horse, "ds"),
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
    sale = auction.sale
    paused = auction.paused_at is not None
    snapshot = {
        "id": auction.pk,
        "seq": auction.seq,
        "sale": {"id": sale.pk, "name_ja": sale.name_ja, "name_en": sale.name_en},
        "lot_number": auction.lot_number,
        "session_id": auction.session_id,
        "sale_date": sale.starts_on.isoformat() if isinstance(sale.starts_on, date) else None,
        "status": auction.status,
        "paused": paused,
        "paused_at": iso(auction.paused_at),
        "paused_at_ms": ms(auction.paused_at),
        # While paused the clock stands still: this is the time the lot gets back when it resumes.
        "paused_remaining_ms": max(0, int((auction.ends_at - auction.paused_at).total_seconds() * 1000))
        if paused
        else None,
        "withdrawn": auction.withdrawn,
        "buyer_premium_rate": rate_text(sale.buyer_premium_rate),
        "consumption_tax_rate": rate_text(CONSUMPTION_TAX_RATE),
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
        "planned_ends_at": iso(auction.planned_ends_at),
        "planned_ends_at_ms": ms(auction.planned_ends_at),
        "server_time": server_time_ms(),
        "duration_seconds": auction.duration_seconds,
        "extension_window_seconds": auction.extension_window_seconds,
        "high_bidder_paddle": paddle_of(auction.high_bidder) if auction.high_bidder_id else None,
        "hammer_price": auction.hammer_price,
        "winner_paddle": paddle_of(auction.winner) if auction.winner_id else None,
        "cancel_reason": auction.cancel_reason,
        "video_url": auction.video_url,
        "horse": horse_summary(auction.horse),
    }
    if is_organizer(viewer):
        snapshot["reserve_price"] = auction.reserve_price
        snapshot["horse"]["consignor"] = consignor_summary(auction.horse.consignor)
    return snapshot


def consignor_summary(user) -> dict | None:
    """Who consigned a horse, as organizers see it (staff see names: rule 8 is for bidders)."""
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.username}


def buyer_total_for(*, auction: Auction, amount: int) -> dict:
    """What the buyer would pay if the hammer fell at `amount` on this lot (rule 11)."""
    return buyer_total(amount, premium_rate=auction.sale.buyer_premium_rate).as_dict()


def auction_list(
    *,
    viewer=None,
    statuses: list[str] | None = None,
    sale_date: date | None = None,
    sale_id: int | None = None,
    consignor_id: int | None = None,
) -> QuerySet[Auction]:
    """Auctions in sale order, with what a snapshot needs loaded up front. Drafts are the organizers' work in
    progress: only organizers see them. `sale_date` keeps the lots of the sales running on that day.
    `consignor_id` (the horse's consignor) is for organizers only: for anyone else it is ignored, so that the
    list never tells who consigned what."""
    queryset = Auction.objects.select_related(
        "sale", "horse", "horse__consignor", "high_bidder", "winner"
    ).prefetch_related("horse__photos")
    if not is_organizer(viewer):
        queryset = queryset.exclude(status=AuctionStatus.DRAFT)
    elif consignor_id is not None:
        queryset = queryset.filter(horse__consignor_id=consignor_id)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if sale_date is not None:
        queryset = queryset.filter(sale__starts_on__lte=sale_date, sale__ends_on__gte=sale_date)
    if sale_id is not None:
        queryset = queryset.filter(sale_id=sale_id)
    return queryset.order_by("sale__starts_on", "sale_id", "lot_number", "pk")


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


# --- sales ---------------------------------------------------------------------------------------------------


def sale_summary(*, sale: Sale) -> dict:
    return {
        "id": sale.pk,
        "name_ja": sale.name_ja,
        "name_en": sale.name_en,
        "venue": sale.venue,
        "starts_on": sale.starts_on.isoformat(),
        "ends_on": sale.ends_on.isoformat(),
        "buyer_premium_rate": rate_text(sale.buyer_premium_rate),
        "consumption_tax_rate": rate_text(CONSUMPTION_TAX_RATE),
        "invoice_registration_number": sale.invoice_registration_number,
        "conditions_of_sale": sale.conditions_of_sale,
        "sessions": [
            {
                "id": session.pk,
                "name": session.name,
                "opens_at": iso(session.opens_at),
                "opens_at_ms": ms(session.opens_at),
                "closes_at": iso(session.closes_at),
                "closes_at_ms": ms(session.closes_at),
                "interval_seconds": session.interval_seconds,
            }
            for session in sale.sessions.all()
        ],
    }


def sale_list() -> QuerySet[Sale]:
    """Sales, the latest first."""
    return Sale.objects.prefetch_related("sessions").order_by("-starts_on", "-pk")


def sale_detail(*, sale_id: int, viewer=None) -> dict | None:
    """A sale and its lots in lot order, each as its snapshot (drafts for organizers only)."""
    sale = sale_list().filter(pk=sale_id).first()
    if sale is None:
        return None
    lots = auction_list(viewer=viewer, sale_id=sale.pk).order_by("lot_number", "pk")
    return {**sale_summary(sale=sale), "lots": [auction_snapshot(auction=lot, viewer=viewer) for lot in lots]}


# --- invoices ------------------------------------------------------------------------------------------------


def invoice_list(*, viewer) -> QuerySet[Invoice]:
    """A buyer's own invoices; staff see every one. Newest first."""
    queryset = Invoice.objects.select_related("sale", "auction__horse", "buyer").order_by("-issued_at", "-pk")
    if not (viewer.is_authenticated and viewer.is_staff):
        queryset = queryset.filter(buyer_id=viewer.pk)
    return queryset


def invoice_data(*, invoice: Invoice) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.display_number,
        "sale": {"id": invoice.sale_id, "name_ja": invoice.sale.name_ja, "name_en": invoice.sale.name_en},
        "auction_id": invoice.auction_id,
        "lot_number": invoice.auction.lot_number,
        "horse_name": invoice.auction.horse.name,
        "horse_name_en": invoice.auction.horse.name_en,
        "buyer_paddle": invoice.buyer.paddle_number,
        "issued_at": iso(invoice.issued_at),
        "registration_number": invoice.registration_number,
        "hammer_price": invoice.hammer_price,
        "buyer_premium_rate": rate_text(invoice.buyer_premium_rate),
        "buyer_premium": invoice.buyer_premium,
        "consumption_tax_rate": rate_text(invoice.consumption_tax_rate),
        "consumption_tax": invoice.consumption_tax,
        "total": invoice.total,
        "pdf_url": f"/api/invoices/{invoice.pk}/pdf/",
    }
