"""The room events of the bidding engine, as plain JSON-able dicts (see DESIGN.md, the wire contract)."""

from auctions.events import publish_auction_event as publish
from auctions.increments import min_next_bid
from auctions.selectors import iso as _iso
from auctions.selectors import ms as _ms


def _paddle(user) -> int | None:
    return user.paddle_number if user else None


def auction_update_event(*, auction, bid) -> dict:
    return {
        "type": "auction:update",
        "auction_id": auction.pk,
        "current_price": auction.current_price,
        "min_next_bid": min_next_bid(
            start_price=auction.start_price,
            current_price=auction.current_price,
            table=auction.effective_increment_table,
        ),
        "bid_count": auction.bid_count,
        "high_bidder_paddle": _paddle(auction.high_bidder),
        "reserve_met": auction.reserve_met,
        "ends_at": _iso(auction.ends_at),
        "ends_at_ms": _ms(auction.ends_at),
        "bid": bid_public(bid),
    }


def bid_public(bid) -> dict:
    """A bid as other bidders see it: by paddle number, never by name (rule 8)."""
    return {
        "id": bid.pk,
        "amount": bid.amount,
        "paddle_number": bid.bidder.paddle_number,
        "placed_at": _iso(bid.placed_at),
        "placed_at_ms": _ms(bid.placed_at),
    }


def auction_extended_event(*, auction) -> dict:
    return {
        "type": "auction:extended",
        "auction_id": auction.pk,
        "ends_at": _iso(auction.ends_at),
        "ends_at_ms": _ms(auction.ends_at),
        "extension_count": auction.extension_count,
        "max_ends_at": _iso(auction.max_ends_at),
        "max_ends_at_ms": _ms(auction.max_ends_at),
    }


def auction_ended_event(*, auction) -> dict:
    return {
        "type": "auction:ended",
        "auction_id": auction.pk,
        "status": auction.status,
        "hammer_price": auction.hammer_price,
        "winner_paddle": _paddle(auction.winner) if auction.winner_id else None,
        "reserve_met": auction.reserve_met,
        "bid_count": auction.bid_count,
        "closed_at": _iso(auction.closed_at),
        "closed_at_ms": _ms(auction.closed_at),
    }


def auction_timer_event(*, auction_id: int, ends_at, now) -> dict:
    return {
        "type": "auction:timer",
        "auction_id": auction_id,
        "ends_at": _iso(ends_at),
        "ends_at_ms": _ms(ends_at),
        "remaining_ms": max(0, int((ends_at - now).total_seconds() * 1000)),
    }


__all__ = [
    "auction_ended_event",
    "auction_extended_event",
    "auction_timer_event",
    "auction_update_event",
    "publish",
]
