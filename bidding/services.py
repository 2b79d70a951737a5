"""The bid: rule 3 of the design (and rule 4's extension, through auctions.services), decided under the auction's
row lock. The close and the rest of the lot's lifecycle live one layer down, in auctions.services."""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from auctions.audit import audit_record
from auctions.events import auction_extended_event, publish_auction_event
from auctions.increments import increment_for, is_on_grid, min_next_bid
from auctions.models import Auction, AuctionStatus, AuditAction
from auctions.services import auction_extend_locked
from auctions.signals import send_on_commit

from . import errors
from .events import auction_update_event
from .models import Bid, BidSource
from .rate_limit import bid_rate_allow
from .signals import bid_accepted

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BidOutcome:
    bid: Bid
    auction: Auction
    extended: bool = False
    replayed: bool = False


def _parse_key(idempotency_key) -> uuid.UUID:
    try:
        return uuid.UUID(str(idempotency_key))
    except (ValueError, TypeError, AttributeError) as exc:
        raise errors.InvalidIdempotencyKey() from exc


def _parse_amount(amount) -> int | None:
    """A whole number of yen > 0, as an int or an integer-valued JSON number; anything else is None."""
    if isinstance(amount, bool):
        return None
    if isinstance(amount, float):
        if not amount.is_integer():
            return None
        amount = int(amount)
    if not isinstance(amount, int) or amount <= 0:
        return None
    return amount


def _replay(*, user, key: uuid.UUID, auction_id: int, amount) -> BidOutcome | None:
    """A repeated request returns the original bid; the same key for another bid is refused."""
    # Every bid asks this and almost every answer is "no": a bare indexed lookup, the full rows only on a hit.
    if not Bid.objects.filter(bidder=user, idempotency_key=key).exists():
        return None
    bid = Bid.objects.select_related("auction", "bidder").get(bidder=user, idempotency_key=key)
    if bid.auction_id != auction_id or bid.amount != _parse_amount(amount):
        raise errors.IdempotencyConflict()
    return BidOutcome(bid=bid, auction=bid.auction, replayed=True)


def _refusal(*, auction: Auction, user, amount: int | None, now) -> errors.BidRejected | None:
    """Every check of rule 3, in order. Should be called while holding the auction's row lock."""
    if not user.is_authenticated or user.role != Role.BIDDER or not user.is_active:
        return errors.NotAllowedToBid()
    if not user.is_approved_to_bid or not user.paddle_number:
        return errors.NotAllowedToBid(_("Your account is not yet approved to bid."))
    if amount is None:
        return errors.InvalidAmount()
    if auction.status in (AuctionStatus.SOLD, AuctionStatus.UNSOLD):
        return errors.AuctionEnded()
    if auction.status != AuctionStatus.ACTIVE:
        return errors.AuctionNotActive()
    if now >= auction.ends_at:
        return errors.AuctionEnded()
    if auction.consignor_id == user.pk:
        return errors.OwnHorse()
    if auction.high_bidder_id == user.pk:
        return errors.AlreadyHighest()
    table = auction.effective_increment_table
    minimum = min_next_bid(start_price=auction.start_price, current_price=auction.current_price, table=table)
    if amount < minimum:
        return errors.BidTooLow(min_next_bid=minimum)
    first_bid_at_start = auction.current_price is None and amount == auction.start_price
    if not first_bid_at_start and not is_on_grid(amount, table):
        return errors.BidOffIncrement(min_next_bid=minimum, step=increment_for(amount, table))
    max_jump = auction.max_jump or settings.BID_MAX_JUMP
    if amount > (auction.current_price or auction.start_price) + max_jump:
        return errors.BidTooHigh(max_amount=(auction.current_price or auction.start_price) + max_jump)
    if user.credit_limit is not None and amount > user.credit_limit:
        return errors.CreditLimitExceeded()
    return None


def _rate_refusal(*, user) -> errors.RateLimited | None:
    """Counts this attempt against the user's per-minute budget (replays never get this far)."""
    if not (user.is_authenticated and user.role == Role.BIDDER):
        return None
    allowed, retry_after = bid_rate_allow(user_id=user.pk)
    return None if allowed else errors.RateLimited(retry_after=retry_after)


def bid_place(
    *,
    auction_id: int,
    user,
    amount,
    idempotency_key,
    client_address: str | None = None,
    source: str = BidSource.REST,
) -> BidOutcome:
    """Place a bid, or raise the BidRejected subclass that says why not.

    Takes the auction's row lock itself and reads the clock after it is held. Refusals are written to the audit
    log (and committed) before they are raised. Events leave only after the commit.
    """
    key = _parse_key(idempotency_key)
    parsed_amount = _parse_amount(amount)
    with transaction.atomic():
        try:
            # The consignor is the only thing the rules need from the horse: one column, not the catalogue entry.
            auction = (
                Auction.objects.select_for_update(of=("self",))
                .annotate(consignor_id=F("horse__consignor_id"))
                .get(pk=auction_id)
            )
        except Auction.DoesNotExist:
            raise errors.AuctionNotFound() from None
        now = timezone.now()  # after the lock: the moment this bid is judged
        if user.is_authenticated:
            # A retry, or a double tap that waited on the lock behind its twin, finds the original bid.
            replay = _replay(user=user, key=key, auction_id=auction_id, amount=amount)
            if replay:
                return replay
        refusal = _rate_refusal(user=user) or _refusal(auction=auction, user=user, amount=parsed_amount, now=now)
        attempt = {
            "amount": amount if parsed_amount is None else parsed_amount,
            "key": str(key),
            "source": source,
        }
        if refusal is not None:
            audit_record(
                auction=auction,
                action=AuditAction.BID,
                actor=user,
                outcome=refusal.code,
                reason=str(refusal.message),
                data=attempt,
                client_address=client_address,
                recorded_at=now,
            )
        else:
            outcome = _accept(
                auction=auction,
                user=user,
                amount=parsed_amount,
                key=key,
                now=now,
                client_address=client_address,
                source=source,
                attempt=attempt,
            )
    if refusal is not None:
        raise refusal
    return outcome


def _accept(*, auction, user, amount, key, now, client_address, source, attempt) -> BidOutcome:
    bid = Bid.objects.create(
        auction=auction,
        bidder=user,
        amount=amount,
        idempotency_key=key,
        placed_at=now,
        source=source,
        client_address=client_address or None,
    )
    outbid_user_id = auction.high_bidder_id
    auction.current_price = amount
    auction.high_bidder = user
    auction.bid_count += 1
    audit_record(
        auction=auction,
        action=AuditAction.BID,
        actor=user,
        outcome="accepted",
        data={**attempt, "bid_id": bid.pk},
        client_address=client_address,
        recorded_at=now,
    )
    # After the bid's own entry, so the ledger reads "bid accepted, then the clock moved".
    extended = auction_extend_locked(auction=auction, now=now, actor=user, bid_id=bid.pk)
    auction.save(
        update_fields=[
            "current_price",
            "high_bidder",
            "bid_count",
            "ends_at",
            "extension_count",
            "updated_at",
        ]
    )
    events = [auction_update_event(auction=auction, bid=bid)]
    if extended:
        events.append(auction_extended_event(auction=auction))
    publish_auction_event(auction.pk, *events)
    send_on_commit(
        bid_accepted,
        sender=Bid,
        auction_id=auction.pk,
        bid_id=bid.pk,
        bidder_id=user.pk,
        outbid_user_id=outbid_user_id,
    )
    return BidOutcome(bid=bid, auction=auction, extended=extended)
