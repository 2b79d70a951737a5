"""The bid: rule 3 of the design (and rule 4's extension, through auctions.services), and rule 10's maximum bids,
decided under the auction's row lock. A manual bid and the automatic bids it wakes are written in one transaction
and announced in order after its commit. The close and the rest of the lot's lifecycle live one layer down, in
auctions.services."""

import logging
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from auctions.audit import audit_record
from auctions.events import auction_extended_event, publish_auction_event
from auctions.increments import increment_for, is_on_grid, min_next_bid
from auctions.models import Auction, AuctionStatus, AuditAction
from auctions.services import auction_extend_locked
from auctions.signals import send_on_commit
from config import metrics
from config.rows import insert_unless_taken

from . import errors
from .events import auction_update_event
from .max_bids import Standing as MaxStanding
from .max_bids import automatic_bids
from .models import Bid, BidSource, MaxBid
from .rate_limit import bid_rate_allow
from .signals import bid_accepted

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BidOutcome:
    bid: Bid
    auction: Auction
    extended: bool = False
    replayed: bool = False
    automatic: tuple[Bid, ...] = ()  # the bids the maxima placed in answer, in order


@dataclass(frozen=True)
class MaxBidOutcome:
    max_bid: MaxBid
    auction: Auction
    automatic: tuple[Bid, ...] = ()  # the bids placed at once (the opening or answering bid), in order
    replayed: bool = False


def _parse_key(idempotency_key) -> uuid.UUID:
    try:
        return uuid.UUID(str(idempotency_key))
    except (ValueError, TypeError, AttributeError) as exc:
        raise errors.InvalidIdempotencyKey() from exc


# Beyond any price the columns and the rules will ever see (¥1 trillion): such a number is a typo or an attack.
MAX_AMOUNT = 1_000_000_000_000
# The longest text of a refused amount kept in the audit log.
AUDIT_AMOUNT_CHARS = 64


def _parse_amount(amount) -> int | None:
    """A whole number of yen from 1 to MAX_AMOUNT, sent as a JSON integer; anything else is None (invalid_amount).
    An integer-valued float (1e6) is accepted as the JSON number it is; text, booleans, NaN and ±inf never are."""
    if isinstance(amount, bool):
        return None
    if isinstance(amount, float):
        if not amount.is_integer():  # also false for nan and ±inf
            return None
        amount = int(amount)
    if not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
        return None
    return amount


def audit_amount(amount) -> int | str:
    """The amount as the audit log keeps it: a valid one as its integer, anything else as a short ASCII text of
    its type and value. Never raw JSON: jsonb refuses NUL and infinities, and rewrites big floats after they were
    hashed (audit_verify would then report a tampered chain)."""
    parsed = _parse_amount(amount)
    if parsed is not None:
        return parsed
    text = f"{type(amount).__name__}:{amount!a}"
    return text if len(text) <= AUDIT_AMOUNT_CHARS else text[: AUDIT_AMOUNT_CHARS - 1] + "…"


def _replay(*, user, key: uuid.UUID, auction_id: int, amount) -> BidOutcome:
    """A repeated request (its key already placed a bid, as _standing_and_key found) returns the original bid;
    the same key for another bid is refused."""
    bid = Bid.objects.select_related("auction", "bidder").get(bidder=user, idempotency_key=key)
    if bid.auction_id != auction_id or bid.amount != _parse_amount(amount):
        raise errors.IdempotencyConflict()
    return BidOutcome(bid=bid, auction=bid.auction, replayed=True)


@dataclass(frozen=True)
class Standing:
    """What the rules need of a bidder, read from the database at the moment of the bid, never from the object
    loaded at sign-in (a socket keeps that one for hours)."""

    user_id: int
    is_active: bool
    role: str
    is_approved_to_bid: bool
    paddle_number: int | None
    credit_limit: int | None

    @property
    def may_bid(self) -> bool:
        return self.is_active and self.role == Role.BIDDER and self.is_approved_to_bid and bool(self.paddle_number)


class _Reading(NamedTuple):
    standing: Standing | None
    key_placed: bool  # this bidder already placed a bid under the key: a retry
    lot_has_maxima: bool  # asked only after the lot's lock (see _standing_and_key)


def _standing_and_key(user, bid_key: uuid.UUID | None, *, maxima_of_lot: int | None = None) -> _Reading:
    """The bidder's standing, and whether they already placed a bid under `bid_key`: one query for both, as every
    bid asks both, before the lock and again after it (almost every answer to the second is "no"). After the lock
    the same query also says whether the lot has any standing maximum, so a lot without one (most) never reads
    them: its statement starts after the lock was granted, so it sees every maximum committed before."""
    if not user.is_authenticated:
        return _Reading(None, False, False)
    key = Bid._meta.get_field("idempotency_key").get_db_prep_value(bid_key, connection) if bid_key else None
    with connection.cursor() as cursor:
        cursor.execute(_STANDING_SQL, [key, key, maxima_of_lot, maxima_of_lot, user.pk])
        row = cursor.fetchone()
    if row is None:
        return _Reading(None, False, False)
    is_active, role, is_approved_to_bid, paddle_number, credit_limit, key_placed, lot_has_maxima = row
    standing = Standing(user.pk, bool(is_active), role, bool(is_approved_to_bid), paddle_number, credit_limit)
    return _Reading(standing, bool(key_placed), bool(lot_has_maxima))


# _standing_and_key's statement, written out: as the ORM's query (a filter with two Exists annotations) it was
# compiled anew twice a bid, a third of the bid's CPU (bench/RESULTS.md, session 15). A NULL key or lot asks nothing.
_STANDING_SQL = """
    SELECT u.is_active, u.role, u.is_approved_to_bid, u.paddle_number, u.credit_limit,
        %s IS NOT NULL AND EXISTS (
            SELECT 1 FROM bidding_bid b WHERE b.bidder_id = u.id AND b.idempotency_key = %s
        ),
        %s IS NOT NULL AND EXISTS (
            SELECT 1 FROM bidding_maxbid m WHERE m.auction_id = %s AND m.withdrawn_at IS NULL
        )
    FROM accounts_user u
    WHERE u.id = %s
"""


def _standing(user) -> Standing | None:
    return _standing_and_key(user, None).standing


def _standing_refusal(standing: Standing | None) -> errors.BidRejected | None:
    if standing is None or not standing.is_active or standing.role != Role.BIDDER:
        return errors.NotAllowedToBid()
    if not standing.may_bid:
        return errors.NotAllowedToBid(_("Your account is not yet approved to bid."))
    return None


def _exposure(*, user_id: int, excluding_auction_id: int) -> int:
    """What the bidder is already committed to: on each running lot the larger of the price they lead at and
    their standing maximum (rule 10: a maximum counts toward the credit limit), and the lots they won and have
    not yet settled. A new bid or maximum on another lot adds to it (rule 3's credit limit)."""
    per_lot = dict(
        Auction.objects.filter(status=AuctionStatus.ACTIVE, high_bidder_id=user_id)
        .exclude(pk=excluding_auction_id)
        .values_list("pk", "current_price")
    )
    maxima = (
        MaxBid.objects.filter(bidder_id=user_id, withdrawn_at__isnull=True, auction__status=AuctionStatus.ACTIVE)
        .exclude(auction_id=excluding_auction_id)
        .values_list("auction_id", "max_amount")
    )
    for auction_id, max_amount in maxima:
        per_lot[auction_id] = max(per_lot.get(auction_id) or 0, max_amount)
    won = Auction.objects.filter(status=AuctionStatus.SOLD, winner_id=user_id, settled_at__isnull=True)
    return sum(per_lot.values()) + (won.aggregate(total=Sum("hammer_price"))["total"] or 0)


def _refusal(
    *, auction: Auction, standing: Standing, amount: int | None, now, current_max: MaxBid | None = None, for_max=False
) -> errors.BidRejected | None:
    """Every check of rule 3 that depends on the lot, in order; for a maximum (rule 10) the same, but a leader
    may raise theirs and no one may lower one. Should be called while holding the auction's row lock, with the
    bidder's standing read after it was taken."""
    if refusal := _standing_refusal(standing):
        return refusal
    if amount is None:
        return errors.InvalidAmount()
    if auction.status in (AuctionStatus.SOLD, AuctionStatus.UNSOLD):
        return errors.AuctionEnded()
    if auction.status != AuctionStatus.ACTIVE:
        return errors.AuctionNotActive()
    if auction.paused_at is not None:  # the auctioneer stopped the clock: its end is on hold, so judged first
        return errors.AuctionPaused()
    if now >= auction.ends_at:
        return errors.AuctionEnded()
    if auction.consignor_id == standing.user_id:
        return errors.OwnHorse()
    if not for_max and auction.high_bidder_id == standing.user_id:
        return errors.AlreadyHighest()
    if current_max is not None and amount < current_max.max_amount:
        return errors.MaxBidLowered(max_amount=current_max.max_amount)
    table = auction.effective_increment_table
    minimum = min_next_bid(start_price=auction.start_price, current_price=auction.current_price, table=table)
    if amount < minimum:
        return errors.BidTooLow(min_next_bid=minimum)
    # The fat-finger guard before the grid: 900,000,001 is first of all far too much, then also off the grid.
    max_jump = auction.max_jump or settings.BID_MAX_JUMP
    ceiling = (auction.current_price or auction.start_price) + max_jump
    if amount > ceiling:
        return errors.BidTooHigh(max_amount=ceiling)
    first_bid_at_start = auction.current_price is None and amount == auction.start_price
    if not first_bid_at_start and not is_on_grid(amount, table):
        return errors.BidOffIncrement(min_next_bid=minimum, step=increment_for(amount, table))
    if standing.credit_limit is not None:
        committed = _exposure(user_id=standing.user_id, excluding_auction_id=auction.pk)
        if committed + amount > standing.credit_limit:
            return errors.CreditLimitExceeded(
                credit_limit=standing.credit_limit,
                committed=committed,
                available=max(0, standing.credit_limit - committed),
            )
    return None


def _rate_refusal(*, user, client_address: str | None) -> errors.RateLimited | None:
    """Counts this attempt against its budget: the user's, or for an anonymous socket its address's. Every attempt
    counts, refused ones too, so a flood is cut off before it costs a query. Called before any lock is taken: Redis
    is never waited on while a lot is locked."""
    bucket = f"u:{user.pk}" if user.is_authenticated else f"a:{client_address or 'unknown'}"
    allowed, retry_after = bid_rate_allow(bucket=bucket)
    return None if allowed else errors.RateLimited(retry_after=retry_after)


@metrics.observe_bid
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

    Before any lock: the key is parsed, a retry of a bid already placed is answered from the ledger, the attempt
    is counted against the rate limit, and someone who may not bid at all (anonymous, a viewer, inactive,
    unapproved) is refused — those refusals are logged, not written to the lot's chain, so they cannot jam it.
    Then the auction's row lock is taken, the clock and the bidder's standing are read after it, and every rule
    is checked; those refusals are written to the audit log (and committed) before they are raised. Events leave
    only after the commit.
    """
    key = _parse_key(idempotency_key)
    parsed_amount = _parse_amount(amount)
    standing, key_placed, _ = _standing_and_key(user, key)
    if key_placed:
        return _replay(user=user, key=key, auction_id=auction_id, amount=amount)  # a retry: never counted or placed
    if refusal := _rate_refusal(user=user, client_address=client_address):
        logger.info("bid refused before the lock: %s (user %s, %s)", refusal.code, user.pk, client_address)
        raise refusal
    if refusal := _standing_refusal(standing):
        logger.info("bid refused before the lock: %s (user %s, %s)", refusal.code, user.pk, client_address)
        raise refusal
    with transaction.atomic():
        auction = _lock_lot(auction_id)
        now = timezone.now()  # after the lock: the moment this bid is judged
        # After the lock: a deactivation committed meanwhile counts, and a double tap that waited on the lock
        # behind its twin finds the original bid.
        standing, key_placed, lot_has_maxima = _standing_and_key(user, key, maxima_of_lot=auction.pk)
        if key_placed:
            return _replay(user=user, key=key, auction_id=auction_id, amount=amount)
        refusal = _refusal(auction=auction, standing=standing, amount=parsed_amount, now=now)
        attempt = {"amount": audit_amount(amount), "key": str(key), "source": source}
        room = _Room(auction=auction, now=now)
        maxima = _standing_maxima(auction) if refusal is None and lot_has_maxima else []
        leader_max = next((m for m in maxima if m.bidder_id == auction.high_bidder_id), None)
        if refusal is None and leader_max is not None and leader_max.max_amount == parsed_amount:
            # Rule 10: a bid equal to a standing maximum loses to it; the maximum's owner leads at that amount.
            refusal = errors.OutbidByMax(current_price=parsed_amount)
        bid = None
        if refusal is None:
            bid = _insert_bid(
                auction=auction,
                user=user,
                amount=parsed_amount,
                key=key,
                now=now,
                client_address=client_address,
                source=source,
            )
            if bid is None:
                refusal = errors.IdempotencyConflict()
            else:
                room.accept(bid=bid, bidder=user, client_address=client_address, attempt=attempt)
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
        if isinstance(refusal, errors.OutbidByMax):
            room.place_automatic(maximum=leader_max, amount=parsed_amount)
        room.answer(maxima)
        room.finish()
    if refusal is not None:
        raise refusal
    return BidOutcome(bid=bid, auction=auction, extended=room.extended, automatic=tuple(room.automatic))


def _insert_bid(*, auction, user, amount, key, now, client_address, source) -> Bid | None:
    """The bid's row, or None when this user's key was taken at this very moment by a bid on another lot (whose
    lock this transaction does not hold): the insert then waits for that bid's commit and does nothing."""
    bid = Bid(
        auction=auction,
        bidder=user,
        amount=amount,
        idempotency_key=key,
        placed_at=now,
        source=source,
        client_address=client_address or None,
    )
    return bid if insert_unless_taken(bid, fields=_BID_FIELDS, sql=_INSERT_BID_SQL) else None


# Only the key's constraint (bidding_bid_idempotent_per_user) is a conflict to skip. One statement, where the ORM's
# insert in a savepoint (to catch that constraint) took three round trips of every bid.
_BID_FIELDS = ("auction", "bidder", "amount", "idempotency_key", "placed_at", "source", "client_address")
_INSERT_BID_SQL = """
    INSERT INTO bidding_bid (auction_id, bidder_id, amount, idempotency_key, placed_at, source, client_address)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (bidder_id, idempotency_key) DO NOTHING
    RETURNING id
"""


def _standing_maxima(auction: Auction) -> list[MaxBid]:
    """The lot's standing maxima whose owners may still bid up to them: a deactivated or un-approved owner's
    maximum sleeps, and so does one that no longer fits a credit limit lowered since it was set. Should be called
    while holding the auction's row lock."""
    rows = MaxBid.objects.filter(auction=auction, withdrawn_at__isnull=True).select_related("bidder")
    return [
        m
        for m in rows
        if m.bidder.is_active
        and m.bidder.role == Role.BIDDER
        and m.bidder.is_approved_to_bid
        and m.bidder.paddle_number
        and m.bidder_id != auction.consignor_id
        and (
            m.bidder.credit_limit is None
            or _exposure(user_id=m.bidder_id, excluding_auction_id=auction.pk) + m.max_amount <= m.bidder.credit_limit
        )
    ]


class _Room:
    """The bids of one transaction on one locked lot: each is applied to the row, audited, and may move the
    clock; the row is saved once, and the room events and the outbid signals leave in order after the commit."""

    def __init__(self, *, auction: Auction, now):
        self.auction, self.now = auction, now
        self.events: list[dict] = []
        self.accepted: list[tuple[Bid, int | None]] = []  # (bid, the leader it displaced)
        self.automatic: list[Bid] = []
        self.extended = False

    def accept(self, *, bid: Bid, bidder, client_address=None, attempt: dict) -> None:
        auction = self.auction
        self.accepted.append((bid, auction.high_bidder_id))
        auction.current_price = bid.amount
        auction.high_bidder = bidder
        auction.bid_count += 1
        auction.seq += 1
        bid_seq = auction.seq  # the extension, if any, is the next version
        audit_record(
            auction=auction,
            action=AuditAction.BID,
            actor=bidder,
            outcome="accepted",
            data={**attempt, "bid_id": bid.pk},
            client_address=client_address,
            recorded_at=self.now,
        )
        # After the bid's own entry, so the ledger reads "bid accepted, then the clock moved".
        extended = auction_extend_locked(auction=auction, now=self.now, actor=bidder, bid_id=bid.pk)
        self.events.append(auction_update_event(auction=auction, bid=bid, seq=bid_seq))
        if extended:
            self.extended = True
            self.events.append(auction_extended_event(auction=auction))

    def place_automatic(self, *, maximum: MaxBid, amount: int) -> None:
        """An automatic bid for `maximum`'s owner: an ordinary bid (source max_bid), never rate-limited."""
        bid = _insert_bid(
            auction=self.auction,
            user=maximum.bidder,
            amount=amount,
            key=uuid.uuid4(),
            now=self.now,
            client_address=None,
            source=BidSource.MAX_BID,
        )
        attempt = {"amount": amount, "key": str(bid.idempotency_key), "source": BidSource.MAX_BID}
        self.accept(bid=bid, bidder=maximum.bidder, attempt={**attempt, "max_bid_id": maximum.pk})
        self.automatic.append(bid)

    def answer(self, maxima: list[MaxBid]) -> None:
        """Rule 10: the standing maxima bid now, as far as they must."""
        auction = self.auction
        if not maxima or auction.status != AuctionStatus.ACTIVE or self.now >= auction.ends_at:
            return
        by_owner = {m.bidder_id: m for m in maxima}
        plan = automatic_bids(
            price=auction.current_price,
            leader_id=auction.high_bidder_id,
            start_price=auction.start_price,
            table=auction.effective_increment_table,
            maxima=[MaxStanding(m.bidder_id, m.max_amount, (m.created_at, m.pk)) for m in maxima],
        )
        for owner_id, amount in plan:
            self.place_automatic(maximum=by_owner[owner_id], amount=amount)

    def finish(self) -> None:
        if not self.accepted:
            return
        auction = self.auction
        auction.save(
            update_fields=[
                "current_price",
                "high_bidder",
                "bid_count",
                "ends_at",
                "extension_count",
                "seq",
                "updated_at",
            ]
        )
        publish_auction_event(auction.pk, *self.events)
        for bid, displaced in self.accepted:
            # Someone displaced for a moment who leads again when the transaction ends was not outbid.
            outbid = None if displaced == auction.high_bidder_id else displaced
            send_on_commit(
                bid_accepted,
                auction_id=auction.pk,
                bid_id=bid.pk,
                bidder_id=bid.bidder_id,
                outbid_user_id=outbid,
            )


# --- Maximum bids (rule 10) ------------------------------------------------------------------------------------


def _lock_lot(auction_id) -> Auction:
    """The auction's row, locked, with the one fact of the horse the rules need (its consignor: one column, not
    the catalogue entry). Must be called inside transaction.atomic. The id is read as the ORM reads a pk (a
    value it cannot take, or out of the column's range, finds no lot)."""
    pk_field = Auction._meta.pk
    try:
        pk = pk_field.get_prep_value(auction_id)
    except (ValueError, TypeError, OverflowError):
        raise errors.AuctionNotFound() from None
    low, high = connection.ops.integer_field_range(pk_field.get_internal_type())
    if pk is None or (low is not None and pk < low) or (high is not None and pk > high):
        raise errors.AuctionNotFound()
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""  # SQLite has no row locks
    auction = next(iter(Auction.objects.raw(_LOCK_LOT_SQL + lock, [pk])), None)
    if auction is None:
        raise errors.AuctionNotFound()
    return auction


# _lock_lot's statement, written out for the same reason as _STANDING_SQL: the ORM's select_for_update with the
# horse's consignor annotated was compiled anew for every bid, 15 % of its CPU (bench/RESULTS.md, session 15).
_LOCK_LOT_SQL = """
    SELECT a.*, h.consignor_id
    FROM auctions_auction a
    INNER JOIN horses_horse h ON h.id = a.horse_id
    WHERE a.id = %s
"""


def _max_replay(*, user, key: uuid.UUID, auction_id: int, amount) -> MaxBidOutcome | None:
    """A repeated set or raise returns the maximum as it stands; the same key for anything else is refused."""
    maximum = MaxBid.objects.filter(bidder=user, keys__has_key=str(key)).select_related("auction").first()
    if maximum is None:
        return None
    if maximum.auction_id != auction_id or maximum.keys[str(key)] != _parse_amount(amount):
        raise errors.IdempotencyConflict(_("This idempotency key was already used for a different maximum."))
    return MaxBidOutcome(max_bid=maximum, auction=maximum.auction, replayed=True)


def max_bid_get(*, auction_id: int, user) -> MaxBid | None:
    """The user's own standing maximum on the lot, or None. Nobody else's is ever returned."""
    if not user.is_authenticated:
        return None
    return MaxBid.objects.filter(auction_id=auction_id, bidder=user, withdrawn_at__isnull=True).first()


def max_bid_set(
    *,
    auction_id: int,
    user,
    max_amount,
    idempotency_key,
    client_address: str | None = None,
    source: str = BidSource.REST,
) -> MaxBidOutcome:
    """Set or raise the user's maximum on a running lot (rule 10), or raise the BidRejected subclass that says why
    not. The maximum obeys a bid's rules (the grid, at least the next valid bid, the fat-finger guard, the credit
    limit counting what the bidder is already committed to), counts against the bid rate limit, and may be raised
    but never lowered. When the user does not lead, their maximum bids at once, in the same transaction: the
    opening bid, or the answer to the leader. Takes the auction's row lock; events leave after the commit."""
    key = _parse_key(idempotency_key)
    parsed_amount = _parse_amount(max_amount)
    if user.is_authenticated and (replay := _max_replay(user=user, key=key, auction_id=auction_id, amount=max_amount)):
        return replay
    if refusal := _rate_refusal(user=user, client_address=client_address):
        raise refusal
    if refusal := _standing_refusal(_standing(user)):
        raise refusal
    with transaction.atomic():
        auction = _lock_lot(auction_id)
        now = timezone.now()
        if replay := _max_replay(user=user, key=key, auction_id=auction_id, amount=max_amount):
            return replay
        standing = _standing(user)
        current = (
            MaxBid.objects.select_for_update()
            .filter(auction=auction, bidder=user, withdrawn_at__isnull=True)
            .select_related("bidder")
            .first()
        )
        refusal = _refusal(
            auction=auction, standing=standing, amount=parsed_amount, now=now, current_max=current, for_max=True
        )
        attempt = {"max_amount": audit_amount(max_amount), "key": str(key), "source": source}
        if refusal is not None:
            audit_record(
                auction=auction,
                action=AuditAction.MAX_RAISE if current else AuditAction.MAX_SET,
                actor=user,
                outcome=refusal.code,
                reason=str(refusal.message),
                data=attempt,
                client_address=client_address,
                recorded_at=now,
            )
        else:
            if current is None:
                current = MaxBid.objects.create(
                    auction=auction,
                    bidder=user,
                    max_amount=parsed_amount,
                    keys={str(key): parsed_amount},
                    created_at=now,
                    updated_at=now,
                )
                action = AuditAction.MAX_SET
            else:
                previous = current.max_amount
                current.max_amount = parsed_amount
                current.keys = {**current.keys, str(key): parsed_amount}
                current.updated_at = now
                current.save(update_fields=["max_amount", "keys", "updated_at"])
                attempt["previous"] = previous
                action = AuditAction.MAX_RAISE
            audit_record(
                auction=auction,
                action=action,
                actor=user,
                outcome="accepted",
                data={**attempt, "max_bid_id": current.pk},
                client_address=client_address,
                recorded_at=now,
            )
            room = _Room(auction=auction, now=now)
            room.answer(_standing_maxima(auction))
            room.finish()
    if refusal is not None:
        raise refusal
    return MaxBidOutcome(max_bid=current, auction=auction, automatic=tuple(room.automatic))


def max_bid_withdraw(*, auction_id: int, user, client_address: str | None = None) -> MaxBid:
    """Withdraw the user's standing maximum: allowed only while they do not lead (rule 10). Audited. Takes the
    auction's row lock."""
    if not user.is_authenticated:
        raise errors.NotAllowedToBid()
    with transaction.atomic():
        auction = _lock_lot(auction_id)
        now = timezone.now()
        current = (
            MaxBid.objects.select_for_update().filter(auction=auction, bidder=user, withdrawn_at__isnull=True).first()
        )
        if current is None:
            raise errors.MaxBidNotFound()
        refusal = errors.MaxBidLeading() if auction.high_bidder_id == user.pk else None
        if refusal is None:
            current.withdrawn_at = now
            current.updated_at = now
            current.save(update_fields=["withdrawn_at", "updated_at"])
        audit_record(
            auction=auction,
            action=AuditAction.MAX_WITHDRAW,
            actor=user,
            outcome=refusal.code if refusal else "accepted",
            reason=str(refusal.message) if refusal else "",
            data={"max_bid_id": current.pk, "max_amount": current.max_amount},
            client_address=client_address,
            recorded_at=now,
        )
    if refusal is not None:
        raise refusal
    return current
