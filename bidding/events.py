"""The room event of an accepted bid, as a plain JSON-able dict (DESIGN.md, the wire contract). The lifecycle's
events (extended, ended, timer, started) are built in auctions.events, which also publishes them all."""

from auctions.increments import min_next_bid
from auctions.wire import iso, ms, paddle_of


def auction_update_event(*, auction, bid, seq: int) -> dict:
    """`seq` is the version the bid made: an extension the same bid caused is the next one, in its own event."""
    return {
        "type": "auction:update",
        "auction_id": auction.pk,
        "seq": seq,
        "current_price": auction.current_price,
        "min_next_bid": min_next_bid(
            start_price=auction.start_price,
            current_price=auction.current_price,
            table=auction.effective_increment_table,
        ),
        "bid_count": auction.bid_count,
        "high_bidder_paddle": paddle_of(auction.high_bidder),
        "reserve_met": auction.reserve_met,
        "ends_at": iso(auction.ends_at),
        "ends_at_ms": ms(auction.ends_at),
        "bid": bid_public(bid),
    }


def bid_public(bid) -> dict:
    """A bid as other bidders see it: by paddle number, never by name (rule 8)."""
    return {
        "id": bid.pk,
        "amount": bid.amount,
        "paddle_number": paddle_of(bid.bidder),
        "placed_at": iso(bid.placed_at),
        "placed_at_ms": ms(bid.placed_at),
    }
