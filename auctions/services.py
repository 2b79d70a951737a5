"""The lot's whole lifecycle (DESIGN.md rules 1, 2, 4 and 5): create, edit, schedule, start, extend, close and
cancel. The bids themselves live one layer up, in bidding.services, which calls `auction_extend_locked` here.

Every transition takes the auction's row lock itself (SELECT … FOR UPDATE), reads the clock after the lock is
held, writes its audit entry, and publishes its room event and domain signal only after the commit.
"""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import is_organizer
from config import metrics

from . import events
from .audit import audit_record
from .availability import outage_ending_after
from .errors import (
    AuctionNotFound,
    AuctionNotPaused,
    AuctionPaused,
    HorseHasOpenAuction,
    InvalidTerms,
    InvalidTransition,
    LotNumberTaken,
    NotEditable,
    NotOrganizer,
)
from .increments import validate_increment_table
from .models import OPEN_STATUSES, Auction, AuctionStatus, AuditAction, Invoice, Sale, SaleSession
from .pricing import buyer_total
from .signals import lot_closed, lot_started, send_on_commit

logger = logging.getLogger(__name__)

# Bounds that keep every value far inside what the columns hold.
MAX_PRICE = 1_000_000_000_000  # ¥1 trillion
MAX_LOT_NUMBER = 99_999
MAX_DURATION_SECONDS = 24 * 3600
MAX_EXTENSION_WINDOW_SECONDS = 3600
MAX_CANCEL_REASON = 500
MAX_ROOM_MESSAGE = 500

# The terms an organizer sets; everything else on an auction is written by the lifecycle and the bids.
TERM_FIELDS = (
    "horse",
    "sale",
    "lot_number",
    "session",
    "start_price",
    "reserve_price",
    "increment_table",
    "max_jump",
    "duration_seconds",
    "extension_window_seconds",
    "max_ends_at",
    "starts_at",
    "video_url",
)
STARTABLE = (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED)
SCHEDULABLE = (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED)
EDITABLE = (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED)
CANCELLABLE = OPEN_STATUSES


class HardStopPassed(InvalidTransition):
    code = "hard_stop_passed"
    default_message = _("The hard stop of this auction has already passed; it cannot start.")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_organizer(actor) -> None:
    """`actor=None` is the platform itself (the scheduled start); a person must be an organizer."""
    if actor is None:
        return
    if not is_organizer(actor):
        raise NotOrganizer()


def _lock(auction_id: int) -> Auction:
    """The auction's row, locked until the transaction ends. Must be called inside transaction.atomic."""
    try:
        return Auction.objects.select_for_update(of=("self",)).get(pk=auction_id)
    except (Auction.DoesNotExist, ValueError, TypeError):
        raise AuctionNotFound() from None


def auction_terms_check(*, terms: dict, now: datetime, changed: Collection[str]) -> None:
    """Raise InvalidTerms for the first term that breaks a rule.

    `terms` are all the terms as they would be saved; `changed` names those being set now: a start time or hard
    stop that has meanwhile passed is refused only when someone sets it.
    """
    if terms.get("horse") is None:
        raise InvalidTerms(_("Choose the horse this lot sells."), code="horse_required", field="horse")
    if terms.get("sale") is None:
        raise InvalidTerms(_("Choose the sale this lot belongs to."), code="sale_required", field="sale")
    session = terms.get("session")
    if session is not None and session.sale_id != terms["sale"].pk:
        raise InvalidTerms(_("The session belongs to another sale."), code="session_of_another_sale", field="session")

    lot_number = terms.get("lot_number")
    if not _is_int(lot_number) or not 1 <= lot_number <= MAX_LOT_NUMBER:
        raise InvalidTerms(
            _("The lot number must be a whole number from 1 to %(max)d.") % {"max": MAX_LOT_NUMBER},
            code="invalid_lot_number",
            field="lot_number",
        )

    for field in ("start_price", "reserve_price", "max_jump"):
        value = terms.get(field)
        if value is None and field != "start_price":
            continue
        if not _is_int(value) or not 1 <= value <= MAX_PRICE:
            raise InvalidTerms(
                _("Prices are whole numbers of yen, from ¥1 to ¥%(max)s.") % {"max": f"{MAX_PRICE:,}"},
                code="invalid_price",
                field=field,
            )
    reserve = terms.get("reserve_price")
    if reserve is not None and reserve < terms["start_price"]:
        raise InvalidTerms(
            _("The reserve price cannot be below the start price."), code="reserve_below_start", field="reserve_price"
        )

    duration = terms.get("duration_seconds")
    if not _is_int(duration) or not 1 <= duration <= MAX_DURATION_SECONDS:
        raise InvalidTerms(
            _("The duration must be from 1 to %(max)d seconds.") % {"max": MAX_DURATION_SECONDS},
            code="invalid_duration",
            field="duration_seconds",
        )
    window = terms.get("extension_window_seconds")
    if not _is_int(window) or not 0 <= window <= MAX_EXTENSION_WINDOW_SECONDS:
        raise InvalidTerms(
            _("The extension window must be from 0 to %(max)d seconds.") % {"max": MAX_EXTENSION_WINDOW_SECONDS},
            code="invalid_extension_window",
            field="extension_window_seconds",
        )

    table = terms.get("increment_table")
    if table is not None:
        try:
            validate_increment_table(table)
        except ValueError as exc:
            raise InvalidTerms(str(exc), code="invalid_increment_table", field="increment_table") from exc
        if any(value is not None and value > MAX_PRICE for tier in table for value in tier):
            raise InvalidTerms(
                _("Increment bounds and steps cannot exceed ¥%(max)s.") % {"max": f"{MAX_PRICE:,}"},
                code="invalid_increment_table",
                field="increment_table",
            )

    video_url = terms.get("video_url") or ""
    if video_url and (not isinstance(video_url, str) or not video_url.startswith("https://") or len(video_url) > 500):
        raise InvalidTerms(_("The video must be an https address."), code="invalid_video_url", field="video_url")

    starts_at, max_ends_at = terms.get("starts_at"), terms.get("max_ends_at")
    if "starts_at" in changed and starts_at is not None and starts_at <= now:
        raise InvalidTerms(_("The start time is in the past."), code="starts_at_in_past", field="starts_at")
    if max_ends_at is not None:
        if "max_ends_at" in changed and max_ends_at <= now:
            raise InvalidTerms(_("The hard stop is in the past."), code="max_ends_at_in_past", field="max_ends_at")
        if starts_at is not None and max_ends_at <= starts_at and {"starts_at", "max_ends_at"} & set(changed):
            raise InvalidTerms(
                _("The hard stop must come after the start time."),
                code="max_ends_at_before_start",
                field="max_ends_at",
            )


def auction_uniqueness_check(*, auction: Auction) -> None:
    """Raise LotNumberTaken or HorseHasOpenAuction if saving `auction` as it stands (saved or not yet) would
    break one of the two uniqueness rules. Only a check, for a form to answer early: the database constraints
    still refuse a concurrent write that slips in before the save."""
    others = Auction.objects.exclude(pk=auction.pk)
    if others.filter(sale_id=auction.sale_id, lot_number=auction.lot_number).exists():
        raise LotNumberTaken()
    if auction.status in OPEN_STATUSES and others.filter(horse=auction.horse, status__in=OPEN_STATUSES).exists():
        raise HorseHasOpenAuction()


def _save_terms(auction: Auction, *, fields: Collection[str] | None = None) -> None:
    """Insert or update, turning the two uniqueness rules into clear refusals (checked first, and again by the
    database constraints should a concurrent write slip in between)."""
    auction_uniqueness_check(auction=auction)
    try:
        with transaction.atomic():
            if fields is None:
                auction.save()
            else:
                auction.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        if "one_open_auction_per_horse" in str(exc):
            raise HorseHasOpenAuction() from exc
        raise LotNumberTaken() from exc


def _field_defaults() -> dict:
    return {
        field.name: field.get_default()
        for field in Auction._meta.concrete_fields
        if field.name in TERM_FIELDS and field.has_default()
    }


@transaction.atomic
def auction_create(*, actor=None, **terms) -> Auction:
    """A new auction, in draft. Scheduling and starting are their own steps."""
    _require_organizer(actor)
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"not auction terms: {sorted(unknown)}")
    values = {field: None for field in TERM_FIELDS} | _field_defaults() | terms
    values["video_url"] = values["video_url"] or ""  # text, never null
    auction_terms_check(terms=values, now=timezone.now(), changed=terms.keys())
    auction = Auction(status=AuctionStatus.DRAFT, **values)
    _save_terms(auction)
    return auction


def auction_update(*, auction_id: int, actor=None, **changes) -> Auction:
    """Edit the terms of a draft or scheduled auction. Takes the auction's row lock itself, so an edit never
    interleaves with the scheduled start."""
    _require_organizer(actor)
    unknown = set(changes) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"not auction terms: {sorted(unknown)}")
    with transaction.atomic():
        auction = _lock(auction_id)
        if auction.status not in EDITABLE:
            raise NotEditable(status=auction.status)
        now = timezone.now()
        current = {field: getattr(auction, field) for field in TERM_FIELDS}
        changed = {field for field, value in changes.items() if value != current[field]}
        terms = current | changes
        auction_terms_check(terms=terms, now=now, changed=changed)
        if auction.status == AuctionStatus.SCHEDULED and terms["starts_at"] is None:
            raise InvalidTerms(
                _("A scheduled auction needs a start time."), code="starts_at_required", field="starts_at"
            )
        for field in changed:
            setattr(auction, field, terms[field])
        if changed:
            announce = bool({"starts_at", "max_ends_at"} & changed)
            if announce:
                auction.seq += 1
            _save_terms(auction, fields=[*changed, "seq"] if announce else changed)
            if announce:
                events.publish_auction_event(auction.pk, events.auction_scheduled_event(auction=auction))
    return auction


def auction_schedule(*, auction_id: int, actor=None, starts_at: datetime | None = None) -> Auction:
    """Draft → scheduled (or a scheduled auction moved to another time). It then starts by itself at
    `starts_at` (auctions.tasks.start_due_auctions). Takes the auction's row lock itself."""
    _require_organizer(actor)
    with transaction.atomic():
        auction = _lock(auction_id)
        now = timezone.now()
        if auction.status not in SCHEDULABLE:
            raise InvalidTransition(
                _("Only a draft or scheduled auction can be scheduled; this one is %(status)s.")
                % {"status": auction.get_status_display()},
                status=auction.status,
            )
        starts_at = starts_at or auction.starts_at
        if starts_at is None:
            raise InvalidTerms(_("Give the start time."), code="starts_at_required", field="starts_at")
        if starts_at <= now:
            raise InvalidTerms(_("The start time is in the past."), code="starts_at_in_past", field="starts_at")
        if auction.max_ends_at is not None and auction.max_ends_at <= starts_at:
            raise InvalidTerms(
                _("The hard stop must come after the start time."),
                code="max_ends_at_before_start",
                field="max_ends_at",
            )
        _schedule_locked(auction, now=now, actor=actor, starts_at=starts_at, planned_ends_at=None)
    return auction


def _schedule_locked(auction: Auction, *, now: datetime, actor, starts_at: datetime, planned_ends_at) -> None:
    """Scheduled at `starts_at`, ending at `planned_ends_at` (None: start + duration). Should be called while
    holding the auction's row lock, once the times have been checked."""
    auction.status = AuctionStatus.SCHEDULED
    auction.starts_at = starts_at
    auction.planned_ends_at = planned_ends_at
    auction.seq += 1
    auction.save(update_fields=["status", "starts_at", "planned_ends_at", "seq", "updated_at"])
    data = {"starts_at": starts_at.isoformat()}
    if planned_ends_at is not None:
        data |= {"planned_ends_at": planned_ends_at.isoformat(), "session": auction.session_id}
    audit_record(auction=auction, action=AuditAction.SCHEDULE, actor=actor, data=data, recorded_at=now)
    events.publish_auction_event(auction.pk, events.auction_scheduled_event(auction=auction))


def sale_session_schedule(*, session_id: int, actor=None) -> list[Auction]:
    """Schedule every open lot of a session: all open at `opens_at`; in lot order, the first is due to end at
    `closes_at` and each next one `interval_seconds` later (the N-th at closes_at + (N − 1) × interval), so the
    tail of the sale rolls lot by lot. Each keeps its own soft close (rule 4) from there.

    N counts the lots being scheduled (draft or scheduled ones); a withdrawn lot leaves no gap. Takes the row
    locks of the session's lots itself, by pk, and schedules all of them or none."""
    _require_organizer(actor)
    with transaction.atomic():
        try:
            session = SaleSession.objects.select_for_update().get(pk=session_id)
        except (SaleSession.DoesNotExist, ValueError, TypeError):
            raise InvalidTerms(_("This session does not exist."), code="session_not_found", field="session") from None
        lots = list(
            Auction.objects.select_for_update(of=("self",))
            .filter(session=session, status__in=SCHEDULABLE)
            .order_by("pk")
        )
        now = timezone.now()
        if session.opens_at <= now:
            raise InvalidTerms(_("The session's opening time has passed."), code="starts_at_in_past", field="opens_at")
        if not lots:
            raise InvalidTerms(
                _("The session has no draft or scheduled lots to schedule."), code="session_empty", field="session"
            )
        interval = timedelta(seconds=session.interval_seconds)
        lots.sort(key=lambda lot: lot.lot_number)
        for position, lot in enumerate(lots):
            planned_end = session.closes_at + position * interval
            if lot.max_ends_at is not None and planned_end > lot.max_ends_at:
                raise InvalidTerms(
                    _("Lot %(lot)d would be due to end after its hard stop.") % {"lot": lot.lot_number},
                    code="planned_end_after_hard_stop",
                    field="max_ends_at",
                )
            _schedule_locked(lot, now=now, actor=actor, starts_at=session.opens_at, planned_ends_at=planned_end)
        session.scheduled_at = now
        session.save(update_fields=["scheduled_at"])
    logger.info("session %s scheduled: %d lots", session_id, len(lots))
    return lots


# Lot numbers are moved out of the way first, so that a swap never meets the (sale, lot number) uniqueness.
_RENUMBER_OFFSET = 1_000_000


def sale_lots_renumber(*, sale_id: int, numbers: dict[int, int], actor=None) -> None:
    """Give lots of one sale new numbers at once (reordering the catalogue): `numbers` maps auction id → new
    lot number. Only lots not yet started may move; the result must keep every number unique within the sale.
    Takes the row locks of the lots being moved itself, by pk."""
    _require_organizer(actor)
    if not numbers:
        return
    for lot_number in numbers.values():
        if not _is_int(lot_number) or not 1 <= lot_number <= MAX_LOT_NUMBER:
            raise InvalidTerms(
                _("The lot number must be a whole number from 1 to %(max)d.") % {"max": MAX_LOT_NUMBER},
                code="invalid_lot_number",
                field="lot_number",
            )
    with transaction.atomic():
        lots = list(
            Auction.objects.select_for_update(of=("self",)).filter(sale_id=sale_id, pk__in=numbers).order_by("pk")
        )
        if len(lots) != len(numbers):
            raise AuctionNotFound()
        for lot in lots:
            if lot.status not in EDITABLE and lot.lot_number != numbers[lot.pk]:
                raise NotEditable(status=lot.status)
        staying = Auction.objects.filter(sale_id=sale_id).exclude(pk__in=numbers).values_list("lot_number", flat=True)
        final = list(numbers.values())
        if len(set(final)) != len(final) or set(final) & set(staying):
            raise LotNumberTaken()
        moving = [lot for lot in lots if lot.lot_number != numbers[lot.pk]]
        for lot in moving:
            lot.lot_number += _RENUMBER_OFFSET
            lot.save(update_fields=["lot_number"])
        for lot in moving:
            lot.lot_number = numbers[lot.pk]
            lot.save(update_fields=["lot_number", "updated_at"])


def _start_locked(auction: Auction, *, now: datetime, actor=None) -> None:
    """Draft | scheduled → active, with ends_at = the planned end a session gave it, or else now + duration
    (never past the hard stop). A planned end already past (a very late start) falls back to now + duration.
    Should be called while holding the auction's row lock, with `now` read after the lock was taken."""
    if auction.status not in STARTABLE:
        raise InvalidTransition(
            _("Only a draft or scheduled auction can start; this one is %(status)s.")
            % {"status": auction.get_status_display()},
            status=auction.status,
        )
    if auction.planned_ends_at is not None and auction.planned_ends_at > now:
        ends_at = auction.planned_ends_at  # a session's staggered close
    else:
        ends_at = now + timedelta(seconds=auction.duration_seconds)
    if auction.max_ends_at is not None:
        if auction.max_ends_at <= now:
            raise HardStopPassed(status=auction.status)
        ends_at = min(ends_at, auction.max_ends_at)
    auction.status = AuctionStatus.ACTIVE
    auction.started_at = now
    auction.ends_at = ends_at
    auction.seq += 1
    auction.save(update_fields=["status", "started_at", "ends_at", "seq", "updated_at"])
    audit_record(
        auction=auction,
        action=AuditAction.START,
        actor=actor,
        reason="" if actor else "scheduled start",
        data={"ends_at": ends_at.isoformat()},
        recorded_at=now,
    )
    events.publish_auction_event(auction.pk, events.auction_started_event(auction=auction))
    send_on_commit(lot_started, auction_id=auction.pk)
    logger.info("auction %s started, ends at %s", auction.pk, ends_at.isoformat())


def auction_start(*, auction_id: int, actor=None) -> Auction:
    """Start now: an organizer's command. Takes the auction's row lock itself and reads the clock after it."""
    _require_organizer(actor)
    with transaction.atomic():
        auction = _lock(auction_id)
        now = timezone.now()
        _start_locked(auction, now=now, actor=actor)
    return auction


def auction_start_if_due(*, auction_id: int) -> Auction | None:
    """The scheduled start, run by the platform: start the auction if it is still scheduled and its time has come.

    Returns the started auction, or None when there is nothing to do (already started or cancelled by someone
    else, moved to a later time, or locked right now by another worker, which is then the one starting it).
    Safe to call from many workers at once.
    """
    with transaction.atomic():
        auction = (
            Auction.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=auction_id, status=AuctionStatus.SCHEDULED)
            .first()
        )
        if auction is None:
            return None
        now = timezone.now()
        if auction.starts_at is None or auction.starts_at > now:
            return None
        if auction.max_ends_at is not None and auction.max_ends_at <= now:
            # Its whole selling time went by while the platform could not start it (workers down): it cannot
            # run now. Passed over, audited and announced, so it neither waits forever nor holds up the others.
            _cancel_locked(auction, now=now, reason="passed over: the hard stop passed before the lot could start")
            logger.warning("auction %s passed over: its hard stop passed before it could start", auction.pk)
            return None
        _start_locked(auction, now=now)
    return auction


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_CANCEL_REASON:
        raise InvalidTerms(
            _("The reason is too long (at most %(max)d characters).") % {"max": MAX_CANCEL_REASON},
            code="reason_too_long",
            field="reason",
        )
    return reason


def _cancel_locked(auction: Auction, *, now: datetime, reason: str, actor=None, withdrawn: bool = False) -> None:
    """→ cancelled. Should be called while holding the auction's row lock, with `now` read after it."""
    if auction.status not in CANCELLABLE:
        raise InvalidTransition(
            _("A finished auction cannot be cancelled; this one is %(status)s.")
            % {"status": auction.get_status_display()},
            status=auction.status,
        )
    if auction.status == AuctionStatus.ACTIVE and auction.paused_at is None and now >= auction.ends_at:
        raise InvalidTransition(
            _("The auction has already ended and is being closed; it can no longer be cancelled."),
            status=auction.status,
        )
    auction.status = AuctionStatus.CANCELLED
    auction.closed_at = now
    auction.cancel_reason = reason
    auction.withdrawn = withdrawn
    auction.paused_at = None
    auction.seq += 1
    auction.save(update_fields=["status", "closed_at", "cancel_reason", "withdrawn", "paused_at", "seq", "updated_at"])
    audit_record(
        auction=auction,
        action=AuditAction.CANCEL,
        actor=actor,
        reason=reason,
        data={"withdrawn": True} if withdrawn else None,
        recorded_at=now,
    )
    events.publish_auction_event(auction.pk, events.auction_cancelled_event(auction=auction))


def auction_cancel(*, auction_id: int, actor=None, reason: str = "") -> Auction:
    """Draft | scheduled | active → cancelled, before the end. An active auction whose end has passed is being
    closed (auction_close) and can no longer be cancelled. Takes the auction's row lock itself."""
    _require_organizer(actor)
    reason = _reason(reason)
    with transaction.atomic():
        auction = _lock(auction_id)
        _cancel_locked(auction, now=timezone.now(), actor=actor, reason=reason)
    logger.info("auction %s cancelled", auction.pk)
    return auction


def auction_withdraw(*, auction_id: int, actor=None, reason: str = "") -> Auction:
    """Take a lot out of the sale before it starts (取り下げ): draft | scheduled → cancelled, marked withdrawn.
    A lot that has started is cancelled instead (auction_cancel). Takes the auction's row lock itself."""
    _require_organizer(actor)
    reason = _reason(reason)
    with transaction.atomic():
        auction = _lock(auction_id)
        if auction.status not in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED):
            raise InvalidTransition(
                _("Only a lot that has not started can be withdrawn; this one is %(status)s.")
                % {"status": auction.get_status_display()},
                status=auction.status,
            )
        _cancel_locked(auction, now=timezone.now(), actor=actor, reason=reason, withdrawn=True)
    logger.info("auction %s withdrawn", auction.pk)
    return auction


def auction_pause(*, auction_id: int, actor=None) -> Auction:
    """The auctioneer stops the clock of an active lot: no bid is taken and it cannot close until it resumes
    with the time it had left. Takes the auction's row lock itself."""
    _require_organizer(actor)
    with transaction.atomic():
        auction = _lock(auction_id)
        now = timezone.now()
        if auction.status != AuctionStatus.ACTIVE:
            raise InvalidTransition(
                _("Only an active auction can be paused; this one is %(status)s.")
                % {"status": auction.get_status_display()},
                status=auction.status,
            )
        if auction.paused_at is not None:
            raise AuctionPaused(_("This auction is already paused."), status=auction.status)
        if now >= auction.ends_at:
            raise InvalidTransition(
                _("The auction has already ended and is being closed; it can no longer be paused."),
                status=auction.status,
            )
        auction.paused_at = now
        auction.seq += 1
        auction.save(update_fields=["paused_at", "seq", "updated_at"])
        remaining_ms = int((auction.ends_at - now).total_seconds() * 1000)
        audit_record(
            auction=auction,
            action=AuditAction.PAUSE,
            actor=actor,
            data={"remaining_ms": remaining_ms, "ends_at": auction.ends_at.isoformat()},
            recorded_at=now,
        )
        events.publish_auction_event(auction.pk, events.auction_paused_event(auction=auction))
    logger.info("auction %s paused with %d ms left", auction.pk, remaining_ms)
    return auction


def auction_resume(*, auction_id: int, actor=None) -> Auction:
    """The paused clock runs again: the lot ends the time it had left at the pause from now (never past the
    hard stop). Takes the auction's row lock itself."""
    _require_organizer(actor)
    with transaction.atomic():
        auction = _lock(auction_id)
        now = timezone.now()
        if auction.status != AuctionStatus.ACTIVE or auction.paused_at is None:
            raise AuctionNotPaused(status=auction.status)
        remaining = auction.ends_at - auction.paused_at
        ends_at = now + remaining
        if auction.max_ends_at is not None:
            ends_at = min(ends_at, auction.max_ends_at)
        auction.ends_at = ends_at
        auction.paused_at = None
        auction.seq += 1
        auction.save(update_fields=["ends_at", "paused_at", "seq", "updated_at"])
        audit_record(
            auction=auction,
            action=AuditAction.RESUME,
            actor=actor,
            data={"remaining_ms": int(remaining.total_seconds() * 1000), "ends_at": ends_at.isoformat()},
            recorded_at=now,
        )
        events.publish_auction_event(auction.pk, events.auction_resumed_event(auction=auction))
    logger.info("auction %s resumed, ends at %s", auction.pk, ends_at.isoformat())
    return auction


def auction_message(*, auction_id: int, text: str, actor=None) -> Auction:
    """A message from the rostrum to everyone watching the lot ("Lot 12 is withdrawn", "vet report updated").
    Audited like any act of the auctioneer. Takes the auction's row lock itself (the ledger's chain needs it)."""
    _require_organizer(actor)
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_ROOM_MESSAGE:
        raise InvalidTerms(
            _("The message must have from 1 to %(max)d characters.") % {"max": MAX_ROOM_MESSAGE},
            code="invalid_message",
            field="text",
        )
    with transaction.atomic():
        auction = _lock(auction_id)
        now = timezone.now()
        if auction.status == AuctionStatus.DRAFT:
            raise InvalidTransition(_("Nobody watches a draft; publish the lot first."), status=auction.status)
        # A new version, so that a client applying only what is newer shows the message too.
        auction.seq += 1
        auction.save(update_fields=["seq", "updated_at"])
        audit_record(auction=auction, action=AuditAction.MESSAGE, actor=actor, reason=text, recorded_at=now)
        events.publish_auction_event(auction.pk, events.auction_message_event(auction=auction, text=text, now=now))
    return auction


def auction_extend_locked(*, auction: Auction, now: datetime, actor=None, bid_id: int | None = None) -> bool:
    """Rule 4: a bid in the last `extension_window` seconds moves the end to now + window (capped by the hard stop).

    Should be called while holding the auction's row lock, with `now` read after the lock was taken, by the bid
    that was just accepted. Saves nothing but the audit entry: the caller saves the row (ends_at, extension_count,
    seq) with its own changes.
    Returns whether the end moved; the caller then publishes `auction:extended`."""
    window = timedelta(seconds=auction.extension_window_seconds)
    if not window or auction.ends_at - now >= window:
        return False
    new_end = now + window
    if auction.max_ends_at and new_end > auction.max_ends_at:
        new_end = auction.max_ends_at
    if new_end <= auction.ends_at:
        return False
    auction.ends_at = new_end
    auction.extension_count += 1
    auction.seq += 1
    audit_record(
        auction=auction,
        action=AuditAction.EXTEND,
        actor=actor,
        data={"ends_at": new_end.isoformat(), "bid_id": bid_id},
        recorded_at=now,
    )
    return True


def auction_close(*, auction_id: int) -> Auction | None:
    """Rule 5: close an auction whose time is up, exactly once: sold to the high bidder if the reserve is met,
    else unsold (passed in). None when there is nothing to close (not active, not yet due, or already closed by
    someone else, or locked right now: a bid holding it is refused after the end anyway, and the next sweep a
    second later closes it). Takes the auction's row lock itself, without waiting for it."""
    with transaction.atomic():
        auction = (
            Auction.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("high_bidder")
            .filter(pk=auction_id)
            .first()
        )
        if auction is None or auction.status != AuctionStatus.ACTIVE or auction.paused_at is not None:
            return None
        now = timezone.now()
        if now < auction.ends_at:
            return None
        if _extend_for_outage(auction, now=now):
            return None
        sold = auction.high_bidder_id is not None and auction.reserve_met
        auction.status = AuctionStatus.SOLD if sold else AuctionStatus.UNSOLD
        auction.closed_at = now
        if sold:
            auction.winner_id = auction.high_bidder_id
            auction.winner = auction.high_bidder
            auction.hammer_price = auction.current_price
        auction.seq += 1
        auction.save(update_fields=["status", "closed_at", "winner", "hammer_price", "seq", "updated_at"])
        audit_record(
            auction=auction,
            action=AuditAction.CLOSE,
            outcome=auction.status,
            data={
                "hammer_price": auction.hammer_price,
                "winner": auction.winner_id,
                "bids": auction.bid_count,
                "reserve_met": auction.reserve_met,
            },
            recorded_at=now,
        )
        if sold:
            _invoice_issue_locked(auction, now=now)
        events.publish_auction_event(auction.pk, events.auction_ended_event(auction=auction))
        send_on_commit(lot_closed, auction_id=auction.pk, status=auction.status)
    metrics.observe_close(ends_at=auction.ends_at, closed_at=auction.closed_at)
    logger.info("auction %s closed: %s", auction.pk, auction.status)
    return auction


def _extend_for_outage(auction: Auction, *, now: datetime) -> bool:
    """Rule 12: if the platform could not take bids at any time within the lot's last extension window, its new
    end is the moment bidding was possible again plus the window (audited with reason `outage`, announced like
    any extension). Should be called while holding the auction's row lock, at the close."""
    window = timedelta(seconds=auction.extension_window_seconds)
    outage = (
        outage_ending_after(moment=auction.ends_at - window, before=auction.ends_at, not_before=auction.started_at)
        if window
        else None
    )
    if outage is None:
        return False
    new_end = outage.ended_at + window
    if auction.max_ends_at is not None:
        new_end = min(new_end, auction.max_ends_at)
    if new_end <= now:
        return False  # the hard stop (or a long-past outage) leaves no time to give back
    auction.ends_at = new_end
    auction.extension_count += 1
    auction.seq += 1
    auction.save(update_fields=["ends_at", "extension_count", "seq", "updated_at"])
    audit_record(
        auction=auction,
        action=AuditAction.EXTEND,
        reason="outage",
        data={
            "ends_at": new_end.isoformat(),
            "outage_source": outage.source,
            "outage_started_at": outage.started_at.isoformat(),
            "outage_ended_at": outage.ended_at.isoformat(),
        },
        recorded_at=now,
    )
    events.publish_auction_event(auction.pk, events.auction_extended_event(auction=auction, reason="outage"))
    logger.warning("auction %s extended to %s: an outage overlapped its last window", auction.pk, new_end.isoformat())
    return True


def _invoice_issue_locked(auction: Auction, *, now: datetime) -> Invoice:
    """The buyer's invoice for a lot just sold, in the close's transaction: the next number of its sale, the
    sale's premium rate and registration number as they stand at the hammer. Should be called while holding the
    auction's row lock; takes the sale's row lock itself (always after a lot's, never before: no deadlock)."""
    sale = Sale.objects.select_for_update().get(pk=auction.sale_id)
    last = Invoice.objects.filter(sale=sale).order_by("-number").values_list("number", flat=True).first()
    bill = buyer_total(auction.hammer_price, premium_rate=sale.buyer_premium_rate)
    return Invoice.objects.create(
        sale=sale,
        number=(last or 0) + 1,
        auction=auction,
        buyer_id=auction.winner_id,
        issued_at=now,
        registration_number=sale.invoice_registration_number,
        hammer_price=bill.hammer_price,
        buyer_premium_rate=bill.buyer_premium_rate,
        buyer_premium=bill.buyer_premium,
        consumption_tax_rate=bill.consumption_tax_rate,
        consumption_tax=bill.consumption_tax,
        total=bill.total,
    )


def auction_close_due(*, now: datetime | None = None) -> list[int]:
    """Close every active auction whose end has passed. Safe to run from many workers at once."""
    now = now or timezone.now()
    # A paused lot waits for its auctioneer, however late it is.
    due = Auction.objects.filter(status=AuctionStatus.ACTIVE, paused_at__isnull=True, ends_at__lte=now).values_list(
        "pk", flat=True
    )
    closed = []
    for pk in list(due):
        try:  # each lot in its own transaction: one that fails delays none of the others
            if auction_close(auction_id=pk) is not None:
                closed.append(pk)
        except Exception:
            logger.exception("close of auction %s failed; the next sweep tries again", pk)
    return closed


def auction_settle(*, auction_id: int, actor=None) -> Auction:
    """The buyer has paid for a sold lot: from now on it no longer counts against their credit limit. Idempotent.
    Takes the auction's row lock itself."""
    _require_organizer(actor)
    with transaction.atomic():
        auction = _lock(auction_id)
        if auction.status != AuctionStatus.SOLD:
            raise InvalidTransition(
                _("Only a sold lot can be settled; this one is %(status)s.") % {"status": auction.get_status_display()},
                status=auction.status,
            )
        if auction.settled_at is None:
            auction.settled_at = timezone.now()
            auction.save(update_fields=["settled_at", "updated_at"])
            audit_record(auction=auction, action=AuditAction.SETTLE, actor=actor, recorded_at=auction.settled_at)
    return auction
