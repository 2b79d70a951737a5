"""Why a bid was refused (rule 6): one typed error per code, mapped once to an HTTP status and a socket message."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import ServiceError


class BidRejected(ServiceError):
    code = "bid_rejected"
    status_code = status.HTTP_409_CONFLICT


class AuctionNotFound(BidRejected):
    code = "auction_not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("This auction does not exist.")


class InvalidAmount(BidRejected):
    code = "invalid_amount"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("The amount must be a whole number of yen greater than zero.")


class InvalidIdempotencyKey(BidRejected):
    code = "invalid_idempotency_key"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("The idempotency key must be a UUID.")


class IdempotencyConflict(BidRejected):
    code = "idempotency_conflict"
    default_message = _("This idempotency key was already used for a different bid.")


class NotAllowedToBid(BidRejected):
    code = "not_allowed"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = _("Only approved bidders may bid.")


class OwnHorse(BidRejected):
    code = "own_horse"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = _("You cannot bid on a horse you consigned.")


class AuctionNotActive(BidRejected):
    code = "auction_not_active"
    default_message = _("This auction is not open for bidding.")


class AuctionPaused(BidRejected):
    code = "auction_paused"
    default_message = _("The auctioneer has paused this lot; bidding resumes with the clock.")


class AuctionEnded(BidRejected):
    code = "auction_ended"
    default_message = _("This auction has ended.")


class AlreadyHighest(BidRejected):
    code = "already_highest"
    default_message = _("You are already the highest bidder.")


class BidTooLow(BidRejected):
    code = "bid_too_low"
    default_message = _("The bid is below the minimum next bid.")

    def __init__(self, message=None, *, min_next_bid: int, **extra):
        message = message or _("The bid is below the minimum next bid of ¥%(amount)s.") % {
            "amount": f"{min_next_bid:,}"
        }
        super().__init__(message, min_next_bid=min_next_bid, **extra)


class BidOffIncrement(BidRejected):
    code = "bid_off_increment"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_message = _("The amount is not on the bid step grid.")


class BidTooHigh(BidRejected):
    code = "bid_too_high"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_message = _("The bid is far above the current price. Check the amount.")


class CreditLimitExceeded(BidRejected):
    code = "credit_limit"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_message = _("The bid exceeds your credit limit.")


class RateLimited(BidRejected):
    code = "rate_limited"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = _("Too many bids. Wait a moment and try again.")

    def __init__(self, message=None, *, retry_after: int = 60, **extra):
        super().__init__(message, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class OutbidByMax(BidRejected):
    code = "outbid_by_max"
    default_message = _("Another bidder's earlier maximum already stands at this amount; it leads. Bid higher.")


class MaxBidNotFound(BidRejected):
    code = "max_bid_not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("You have no maximum bid on this lot.")


class MaxBidLowered(BidRejected):
    code = "max_bid_lowered"
    default_message = _("A maximum bid can be raised, not lowered.")


class MaxBidLeading(BidRejected):
    code = "max_bid_leading"
    default_message = _("You are the highest bidder: your maximum cannot be withdrawn now.")
