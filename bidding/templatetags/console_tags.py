"""Filters of the auctioneer's console (bidding/console.py)."""

from django import template

from auctions.admin import yen as yen_text

from ..console import format_left

register = template.Library()


@register.filter
def yen(amount: int | None) -> str:
    return yen_text(amount)


@register.filter
def left_from(deadline_ms: int | None, now_ms: int) -> str:
    """The time from `now_ms` to `deadline_ms` as 4:05 (both ms since the epoch; 0 for a plain duration)."""
    return "—" if deadline_ms is None else format_left(int(deadline_ms) - int(now_ms))
