"""What the staff reports hold: sale results, the bid history (or every bid attempt from the audit log), and
bidders. Each report is a header and a generator of rows read with `.iterator(chunk_size=...)` over `values_list`,
so memory stays bounded however many rows there are; `bidding.reports.streaming` turns them into CSV.

Money is an integer number of yen; times are ISO 8601 in Asia/Tokyo with the offset and microseconds; an empty
cell means "none".
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from auctions.models import Auction, AuctionStatus, AuditAction, AuditEntry, Invoice, reserve_met
from auctions.pricing import rate_text
from bidding.models import Bid

from .streaming import Report

REPORT_TZ = ZoneInfo("Asia/Tokyo")
# Rows fetched from the database per round trip (a server-side cursor on PostgreSQL).
DB_CHUNK_ROWS = 2000


def tokyo_time(value: datetime | None) -> str:
    """ISO 8601 in Tokyo time with its offset and microseconds (2026-07-14T10:00:00.250000+09:00): unambiguous
    wherever the file is opened, and two bids a fraction of a second apart stay in order."""
    return value.astimezone(REPORT_TZ).isoformat(timespec="microseconds") if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def person_name(last_name: str | None, first_name: str | None, username: str | None = None) -> str:
    """Family name first, as Japanese documents write it; the username when no name is on file."""
    name = f"{last_name or ''} {first_name or ''}".strip()
    return name or (username or "")


def _filename_part(text: str) -> str:
    """A horse name made safe for a file name (no path separators, quotes or control characters)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", text).strip(" ._")[:60]


@dataclass(frozen=True)
class Period:
    """A report's period. A date bound means that whole day in Tokyo (`until` included); a datetime bound is
    exact (`since` inclusive, `until` exclusive). Datetimes must be aware."""

    since: date | datetime | None = None
    until: date | datetime | None = None

    @staticmethod
    def _midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=REPORT_TZ)

    @property
    def start(self) -> datetime | None:
        """Inclusive lower bound in time."""
        if self.since is None or isinstance(self.since, datetime):
            return self.since
        return self._midnight(self.since)

    @property
    def end(self) -> datetime | None:
        """Exclusive upper bound in time."""
        if self.until is None or isinstance(self.until, datetime):
            return self.until
        return self._midnight(self.until + timedelta(days=1))

    @property
    def first_day(self) -> date | None:
        if isinstance(self.since, datetime):
            return timezone.localtime(self.since, REPORT_TZ).date()
        return self.since

    @property
    def last_day(self) -> date | None:
        if isinstance(self.until, datetime):
            return timezone.localtime(self.until, REPORT_TZ).date()
        return self.until

    @property
    def label(self) -> str:
        """For file names: 2026-07-14, 2026-07-01_2026-07-31, 2026-07-14T1000_now; today when unbounded."""
        if self.since is None and self.until is None:
            return timezone.localdate(timezone=REPORT_TZ).isoformat()
        return f"{_bound_label(self.since, 'start')}_{_bound_label(self.until, 'now')}"


def _bound_label(value: date | datetime | None, missing: str) -> str:
    if value is None:
        return missing
    if isinstance(value, datetime):
        return timezone.localtime(value, REPORT_TZ).strftime("%Y-%m-%dT%H%M")
    return value.isoformat()


# --- sale results ------------------------------------------------------------------------------------------

RESULTS_HEADER = (
    "Sale date",
    "Lot",
    "Auction ID",
    "Horse",
    "Sire",
    "Dam",
    "Dam's sire",
    "Consignor",
    "Status",
    "Start price (JPY)",
    "Reserve price (JPY)",
    "Hammer price (JPY)",
    "Winner paddle",
    "Winner",
    "Reserve met",
    "Bids",
    "Extensions",
    "Started at (JST)",
    "Ends at (JST)",
    "Closed at (JST)",
)

_RESULT_FIELDS = (
    "sale__starts_on",
    "lot_number",
    "pk",
    "horse__name",
    "horse__sire",
    "horse__dam",
    "horse__dams_sire",
    "horse__consignor__last_name",
    "horse__consignor__first_name",
    "horse__consignor__username",
    "status",
    "start_price",
    "reserve_price",
    "current_price",
    "hammer_price",
    "winner__paddle_number",
    "winner__last_name",
    "winner__first_name",
    "winner__username",
    "bid_count",
    "extension_count",
    "started_at",
    "ends_at",
    "closed_at",
)


def _result_rows(auctions: QuerySet) -> Iterator[tuple]:
    values = auctions.order_by("sale__starts_on", "sale_id", "lot_number", "pk").values_list(*_RESULT_FIELDS)
    for (
        sale_date,
        lot,
        auction_id,
        horse,
        sire,
        dam,
        dams_sire,
        consignor_last,
        consignor_first,
        consignor_username,
        status,
        start_price,
        reserve_price,
        current_price,
        hammer_price,
        winner_paddle,
        winner_last,
        winner_first,
        winner_username,
        bids,
        extensions,
        started_at,
        ends_at,
        closed_at,
    ) in values.iterator(chunk_size=DB_CHUNK_ROWS):
        yield (
            _day(sale_date),
            lot,
            auction_id,
            horse,
            sire,
            dam,
            dams_sire,
            person_name(consignor_last, consignor_first, consignor_username),
            status,
            start_price,
            reserve_price,
            hammer_price,
            winner_paddle,
            person_name(winner_last, winner_first, winner_username) if winner_username else "",
            _yes_no(reserve_met(current_price=current_price, reserve_price=reserve_price)),
            bids,
            extensions,
            tokyo_time(started_at),
            tokyo_time(ends_at),
            tokyo_time(closed_at),
        )


def results_report(
    *,
    auctions: QuerySet | None = None,
    statuses: Sequence[str] | None = None,
    period: Period = Period(),
) -> Report:
    """One row per lot, by sale date and lot number. The period bounds the sale date, both days included (a
    datetime bound counts as its day in Tokyo)."""
    queryset = Auction.objects.all() if auctions is None else auctions
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if period.first_day is not None:
        queryset = queryset.filter(sale__starts_on__gte=period.first_day)
    if period.last_day is not None:
        queryset = queryset.filter(sale__starts_on__lte=period.last_day)
    label = period.label
    return Report(
        filename=f"results_{label}.csv",
        filename_ja=f"セリ結果_{label}.csv",
        header=RESULTS_HEADER,
        rows=_result_rows(queryset),
    )


# --- bid history -------------------------------------------------------------------------------------------

BIDS_HEADER = (
    "Placed at (JST)",
    "Sale date",
    "Lot",
    "Auction ID",
    "Horse",
    "Amount (JPY)",
    "Paddle",
    "Username",
    "Name",
    "Source",
    "Client address",
    "Idempotency key",
    "Bid ID",
)

_BID_FIELDS = (
    "placed_at",
    "auction__sale__starts_on",
    "auction__lot_number",
    "auction_id",
    "auction__horse__name",
    "amount",
    "bidder__paddle_number",
    "bidder__username",
    "bidder__last_name",
    "bidder__first_name",
    "source",
    "client_address",
    "idempotency_key",
    "pk",
)


def _bid_rows(bids: QuerySet) -> Iterator[tuple]:
    for (
        placed_at,
        sale_date,
        lot,
        auction_id,
        horse,
        amount,
        paddle,
        username,
        last_name,
        first_name,
        source,
        client_address,
        key,
        bid_id,
    ) in bids.values_list(*_BID_FIELDS).iterator(chunk_size=DB_CHUNK_ROWS):
        yield (
            tokyo_time(placed_at),
            _day(sale_date),
            lot,
            auction_id,
            horse,
            amount,
            paddle,
            username,
            person_name(last_name, first_name),
            source,
            client_address,
            str(key),
            bid_id,
        )


ATTEMPTS_HEADER = (
    "Recorded at (JST)",
    "Sale date",
    "Lot",
    "Auction ID",
    "Horse",
    "Sequence",
    "Outcome",
    "Amount (JPY)",
    "Paddle",
    "Username",
    "Name",
    "Source",
    "Client address",
    "Idempotency key",
    "Reason",
    "Bid ID",
)

_ATTEMPT_FIELDS = (
    "recorded_at",
    "auction__sale__starts_on",
    "auction__lot_number",
    "auction_id",
    "auction__horse__name",
    "sequence",
    "outcome",
    "data",
    "actor__paddle_number",
    "actor__username",
    "actor__last_name",
    "actor__first_name",
    "client_address",
    "reason",
)


def _attempt_amount(value):
    """The amount as sent: an integer when it was one, else the audit log's short text of it ("str:'lots'")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None if value is None else str(value)


def _attempt_rows(entries: QuerySet) -> Iterator[tuple]:
    for (
        recorded_at,
        sale_date,
        lot,
        auction_id,
        horse,
        sequence,
        outcome,
        data,
        paddle,
        username,
        last_name,
        first_name,
        client_address,
        reason,
    ) in entries.values_list(*_ATTEMPT_FIELDS).iterator(chunk_size=DB_CHUNK_ROWS):
        data = data if isinstance(data, dict) else {}
        yield (
            tokyo_time(recorded_at),
            _day(sale_date),
            lot,
            auction_id,
            horse,
            sequence,
            outcome,
            _attempt_amount(data.get("amount")),
            paddle,
            username,
            person_name(last_name, first_name),
            data.get("source"),
            client_address,
            None if data.get("key") is None else str(data["key"]),
            reason,
            data.get("bid_id"),
        )


def bids_report(
    *,
    auction: Auction | None = None,
    auctions: QuerySet | None = None,
    period: Period = Period(),
    attempts: bool = False,
) -> Report:
    """Accepted bids (or, with `attempts`, every bid attempt in the audit log with its outcome code), in the
    order they happened: one auction's history, or several auctions' (an admin selection), or a period's across
    auctions; the period combines with either."""
    if attempts:
        queryset = AuditEntry.objects.filter(action=AuditAction.BID)
        time_field = "recorded_at"
        order = ("sequence",) if auction is not None else ("recorded_at", "auction_id", "sequence")
    else:
        queryset = Bid.objects.all()
        time_field = "placed_at"
        order = ("placed_at", "pk")
    if auction is not None:
        queryset = queryset.filter(auction=auction)
    if auctions is not None:
        queryset = queryset.filter(auction__in=auctions.order_by().values("pk"))
    if period.start is not None:
        queryset = queryset.filter(**{f"{time_field}__gte": period.start})
    if period.end is not None:
        queryset = queryset.filter(**{f"{time_field}__lt": period.end})
    queryset = queryset.order_by(*order)

    stem, stem_ja = ("bid-attempts", "入札ログ") if attempts else ("bids", "入札履歴")
    if auction is not None:
        label = f"{auction.sale_date.isoformat()}_lot{auction.lot_number}"
        horse = _filename_part(auction.horse.name)
        label_ja = f"{auction.sale_date.isoformat()}_上場{auction.lot_number}" + (f"_{horse}" if horse else "")
    else:
        label = label_ja = period.label
    return Report(
        filename=f"{stem}_{label}.csv",
        filename_ja=f"{stem_ja}_{label_ja}.csv",
        header=ATTEMPTS_HEADER if attempts else BIDS_HEADER,
        rows=_attempt_rows(queryset) if attempts else _bid_rows(queryset),
    )


# --- bidders -----------------------------------------------------------------------------------------------

BIDDERS_HEADER = (
    "Paddle",
    "Username",
    "Name",
    "Email",
    "Role",
    "Approved to bid",
    "Active",
    "Credit limit (JPY)",
    "Joined (JST)",
    "Bids",
    "Lots won",
    "Won total (JPY)",
)


def _per_user(queryset: QuerySet, user_field: str, aggregate) -> Coalesce:
    """One figure per user from a correlated subquery (two joins with Count would multiply each other)."""
    inner = (
        queryset.filter(**{user_field: OuterRef("pk")})
        .order_by()
        .values(user_field)
        .annotate(figure=aggregate)
        .values("figure")[:1]
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), 0)


def _bidder_rows(users: QuerySet) -> Iterator[tuple]:
    won = Auction.objects.filter(status=AuctionStatus.SOLD)
    values = (
        users.annotate(
            report_bids=_per_user(Bid.objects.all(), "bidder", Count("pk")),
            report_won=_per_user(won, "winner", Count("pk")),
            report_won_total=_per_user(won, "winner", Sum("hammer_price")),
        )
        .order_by(F("paddle_number").asc(nulls_last=True), "username")
        .values_list(
            "paddle_number",
            "username",
            "last_name",
            "first_name",
            "email",
            "role",
            "is_approved_to_bid",
            "is_active",
            "credit_limit",
            "date_joined",
            "report_bids",
            "report_won",
            "report_won_total",
        )
    )
    for (
        paddle,
        username,
        last_name,
        first_name,
        email,
        role,
        approved,
        active,
        credit_limit,
        joined,
        bids,
        won_count,
        won_total,
    ) in values.iterator(chunk_size=DB_CHUNK_ROWS):
        yield (
            paddle,
            username,
            person_name(last_name, first_name),
            email,
            role,
            _yes_no(approved),
            _yes_no(active),
            credit_limit,
            tokyo_time(joined),
            bids,
            won_count,
            won_total,
        )


def bidders_report(*, users: QuerySet | None = None, roles: Sequence[str] | None = None) -> Report:
    """Bidders with their paddles, limits and what they did. By default: every user whose role is bidder, and
    anyone else who has ever placed a bid; `roles` narrows it to those roles instead. Paddle order (none last)."""
    queryset = User.objects.all() if users is None else users
    if roles:
        queryset = queryset.filter(role__in=roles)
    elif users is None:
        queryset = queryset.filter(Q(role=Role.BIDDER) | Exists(Bid.objects.filter(bidder=OuterRef("pk"))))
    today = timezone.localdate(timezone=REPORT_TZ).isoformat()
    return Report(
        filename=f"bidders_{today}.csv",
        filename_ja=f"購買者一覧_{today}.csv",
        header=BIDDERS_HEADER,
        rows=_bidder_rows(queryset),
    )


# --- invoices --------------------------------------------------------------------------------------------------

INVOICES_HEADER = (
    "Invoice no.",
    "Sale",
    "Sale id",
    "Lot",
    "Horse",
    "Issued at (JST)",
    "Registration no.",
    "Buyer paddle",
    "Buyer",
    "Hammer price (JPY)",
    "Buyer's premium rate",
    "Buyer's premium (JPY)",
    "Consumption tax rate",
    "Consumption tax (JPY)",
    "Total (JPY)",
)


def _invoice_rows(invoices: QuerySet) -> Iterator[tuple]:
    values = invoices.order_by("sale_id", "number").values_list(
        "sale_id",
        "number",
        "sale__name_ja",
        "auction__lot_number",
        "auction__horse__name",
        "issued_at",
        "registration_number",
        "buyer__paddle_number",
        "buyer__last_name",
        "buyer__first_name",
        "buyer__username",
        "hammer_price",
        "buyer_premium_rate",
        "buyer_premium",
        "consumption_tax_rate",
        "consumption_tax",
        "total",
    )
    for (
        sale_id,
        number,
        sale_name,
        lot,
        horse,
        issued_at,
        registration,
        paddle,
        last,
        first,
        username,
        hammer,
        premium_rate,
        premium,
        tax_rate,
        tax,
        total,
    ) in values.iterator(chunk_size=DB_CHUNK_ROWS):
        yield (
            f"{sale_id:04d}-{number:05d}",
            sale_name,
            sale_id,
            lot,
            horse,
            tokyo_time(issued_at),
            registration,
            paddle,
            person_name(last, first, username),
            hammer,
            rate_text(premium_rate),
            premium,
            rate_text(tax_rate),
            tax,
            total,
        )


def invoices_report(*, sale_id: int | None = None, period: Period = Period()) -> Report:
    """Every invoice (適格請求書) issued, by sale and number; `period` bounds the moment of issue."""
    queryset = Invoice.objects.all()
    if sale_id is not None:
        queryset = queryset.filter(sale_id=sale_id)
    if period.start is not None:
        queryset = queryset.filter(issued_at__gte=period.start)
    if period.end is not None:
        queryset = queryset.filter(issued_at__lt=period.end)
    label = f"sale{sale_id}" if sale_id is not None else period.label
    return Report(
        filename=f"invoices_{label}.csv",
        filename_ja=f"請求書一覧_{label}.csv",
        header=INVOICES_HEADER,
        rows=_invoice_rows(queryset),
    )
