from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .increments import DEFAULT_INCREMENT_TABLE


class AuctionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    SOLD = "sold", _("Sold")
    UNSOLD = "unsold", _("Unsold (passed in)")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


def reserve_met(*, current_price: int | None, reserve_price: int | None) -> bool:
    """Rule 9's one public fact about the reserve: the price has reached it (or there is none). Bidders see this,
    never the reserve itself. Reports compute it on plain values; the model through `Auction.reserve_met`."""
    if current_price is None:
        return False
    return reserve_price is None or current_price >= reserve_price


# 適格請求書発行事業者の登録番号: "T" and 13 digits.
REGISTRATION_NUMBER_PATTERN = r"^T[0-9]{13}$"
DEFAULT_BUYER_PREMIUM_RATE = Decimal("0.05")
DEFAULT_LOT_INTERVAL_SECONDS = 120


class Sale(models.Model):
    """A sale ("2026 サマーセール 1日目"): numbered lots, sold in sessions, on the same terms for the buyer."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    buyer_premium_rate = models.DecimalField(
        _("buyer's premium rate"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_BUYER_PREMIUM_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("A fraction of the hammer price: 0.05 is 5 %."),
    )
    conditions_of_sale = models.TextField(_("conditions of sale"), blank=True, max_length=50_000)
    invoice_registration_number = models.CharField(
        _("invoice registration number"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(REGISTRATION_NUMBER_PATTERN, _("T followed by 13 digits, e.g. T1234567890123."))],
        help_text=_("The organizer's 適格請求書発行事業者 registration number, printed on every invoice."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="auctions_sale_days_in_order"),
            models.CheckConstraint(
                condition=Q(buyer_premium_rate__gte=0) & Q(buyer_premium_rate__lte=Decimal("0.5")),
                name="auctions_sale_premium_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(invoice_registration_number="")
                | Q(invoice_registration_number__regex=REGISTRATION_NUMBER_PATTERN),
                name="auctions_sale_registration_number_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name_ja

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ja


class SaleSession(models.Model):
    """One sitting of a sale. Its lots open together at `opens_at`; the first is due to end at `closes_at` and
    each next one `interval_seconds` later, in lot order (auctions.services.sale_session_schedule)."""

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(_("name"), max_length=100, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("first lot closes at"))
    interval_seconds = models.PositiveIntegerField(
        _("interval between closes (seconds)"), default=DEFAULT_LOT_INTERVAL_SECONDS
    )
    scheduled_at = models.DateTimeField(_("lots scheduled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["opens_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="auctions_session_closes_after_open"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.sale} {timezone.localtime(self.opens_at):%Y-%m-%d %H:%M}"


class Auction(models.Model):
    """One lot: one horse, sold live on a clock. Its state changes only in the service layer.

    `ends_at` in this row is the deadline; every decision reads it under `SELECT ... FOR UPDATE`.
    """

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="lots")
    lot_number = models.PositiveIntegerField(_("lot number"), help_text=_("The lot's number within its sale."))
    session = models.ForeignKey(
        SaleSession,
        verbose_name=_("session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lots",
    )
    horse = models.ForeignKey(
        "horses.Horse", verbose_name=_("horse"), on_delete=models.PROTECT, related_name="auctions"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AuctionStatus.choices, default=AuctionStatus.DRAFT, db_index=True
    )

    start_price = models.PositiveBigIntegerField(_("start price (yen)"))
    reserve_price = models.PositiveBigIntegerField(
        _("reserve price (yen)"),
        null=True,
        blank=True,
        help_text=_("Hidden from bidders. Empty: no reserve."),
    )
    increment_table = models.JSONField(
        _("increment table"),
        null=True,
        blank=True,
        help_text=_("[[upper bound, step], ...] in yen; the last bound is null. Empty: the default table."),
    )
    video_url = models.URLField(
        _("video"), max_length=500, blank=True, help_text=_("The lot's walk video (https), shown on its page.")
    )
    max_jump = models.PositiveBigIntegerField(
        _("maximum jump (yen)"),
        null=True,
        blank=True,
        help_text=_("A bid may exceed the current price by at most this much. Empty: the platform default."),
    )
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=300)
    extension_window_seconds = models.PositiveIntegerField(_("extension window (seconds)"), default=300)
    max_ends_at = models.DateTimeField(_("hard stop"), null=True, blank=True)

    starts_at = models.DateTimeField(_("scheduled start"), null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, db_index=True)
    # Set by a session's schedule: the start then ends the lot here rather than at now + duration.
    planned_ends_at = models.DateTimeField(_("planned end"), null=True, blank=True)
    # An auctioneer's pause: the clock stands still; on resume the lot gets back `ends_at - paused_at`.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    current_price = models.PositiveBigIntegerField(_("current price (yen)"), null=True, blank=True)
    high_bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bid_count = models.PositiveIntegerField(_("bids"), default=0)
    extension_count = models.PositiveIntegerField(_("extensions"), default=0)

    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("winner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auctions_won",
    )
    hammer_price = models.PositiveBigIntegerField(_("hammer price (yen)"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=500, blank=True)
    # The lot's version: +1 with every change a watcher sees (bid, extension, start, end, cancel, schedule), in the
    # same transaction. Every room event and snapshot carries it, so a client applies only what is newer.
    seq = models.PositiveBigIntegerField(_("version"), default=0)
    # A cancel before the start: the lot was taken out of the sale (取り下げ), as the catalogue should say.
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    # Until the buyer has paid, a won lot still counts against their credit limit (rule 3).
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["sale__starts_on", "sale_id", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "lot_number"], name="auctions_one_lot_number_per_sale"),
            models.UniqueConstraint(
                fields=["horse"],
                condition=Q(status__in=["draft", "scheduled", "active"]),
                name="auctions_one_open_auction_per_horse",
            ),
            models.CheckConstraint(condition=Q(status__in=AuctionStatus.values), name="auctions_status_valid"),
            models.CheckConstraint(condition=Q(start_price__gt=0), name="auctions_start_price_positive"),
            models.CheckConstraint(condition=Q(lot_number__gt=0), name="auctions_lot_number_positive"),
            models.CheckConstraint(
                condition=Q(reserve_price__isnull=True) | Q(reserve_price__gte=F("start_price")),
                name="auctions_reserve_not_below_start",
            ),
            models.CheckConstraint(
                condition=Q(current_price__isnull=True) | Q(current_price__gte=F("start_price")),
                name="auctions_current_price_not_below_start",
            ),
            models.CheckConstraint(condition=Q(duration_seconds__gt=0), name="auctions_duration_positive"),
            models.CheckConstraint(
                condition=~Q(status="active") | (Q(started_at__isnull=False) & Q(ends_at__isnull=False)),
                name="auctions_active_has_clock",
            ),
            models.CheckConstraint(
                condition=~Q(status="sold") | (Q(winner__isnull=False) & Q(hammer_price__isnull=False)),
                name="auctions_sold_has_winner",
            ),
            models.CheckConstraint(
                condition=Q(max_ends_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__lte=F("max_ends_at")),
                name="auctions_ends_within_hard_stop",
            ),
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True) | Q(status="active"), name="auctions_only_active_pauses"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale} Lot {self.lot_number}: {self.horse.name}"

    @property
    def sale_date(self):
        """The sale's first day: what `sale_date` meant before lots belonged to sales (still on the wire)."""
        return self.sale.starts_on

    @property
    def effective_increment_table(self):
        return self.increment_table or DEFAULT_INCREMENT_TABLE

    @property
    def reserve_met(self) -> bool:
        return reserve_met(current_price=self.current_price, reserve_price=self.reserve_price)


class AuditAction(models.TextChoices):
    BID = "bid", _("Bid attempt")
    START = "start", _("Start")
    EXTEND = "extend", _("Extension")
    CLOSE = "close", pgettext_lazy("audit action", "Close")
    CANCEL = "cancel", _("Cancel")
    SCHEDULE = "schedule", _("Schedule")
    SETTLE = "settle", _("Settlement")
    PAUSE = "pause", _("Pause")
    RESUME = "resume", _("Resume")
    MESSAGE = "message", _("Message to the room")
    MAX_SET = "max_set", _("Maximum bid set")
    MAX_RAISE = "max_raise", _("Maximum bid raised")
    MAX_WITHDRAW = "max_wdraw", _("Maximum bid withdrawn")


class AuditEntry(models.Model):
    """Append-only, tamper-evident log: each entry carries the hash of the previous one in its auction.

    Written only by auctions.audit.audit_record while the auction's row lock is held, so a chain has no forks.
    """

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="audit_entries")
    sequence = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    outcome = models.CharField(max_length=40, help_text=_("'ok', 'accepted', or the rejection code"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["auction", "sequence"]
        # Born in the bidding app; the table kept its name (and its append-only trigger) when the ledger moved here.
        db_table = "bidding_auditentry"
        constraints = [
            models.UniqueConstraint(fields=["auction", "sequence"], name="bidding_audit_one_entry_per_sequence"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.outcome}"


class Availability(models.Model):
    """When a part of the platform last showed it could take bids (rule 12): `closer` (the close sweep, every
    second) and `web` (the socket servers, whose room hubs probe the channel layer every few seconds). A silence
    longer than OUTAGE_GAP_SECONDS, noticed at the next sign of life, becomes an Outage."""

    source = models.CharField(max_length=20, primary_key=True)
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")

    def __str__(self) -> str:
        return f"{self.source} {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Outage(models.Model):
    """A time the platform could not take bids. A lot whose last extension window overlapped it is extended to
    its end plus the window instead of closing (rule 12)."""

    source = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering = ["-ended_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%H:%M:%S}–{self.ended_at:%H:%M:%S}"


class DomainEvent(models.Model):
    """The outbox of the domain signals (auctions.signals): written in the same transaction as the change that
    caused it, delivered after the commit, and again by a beat sweep until every receiver took it. A broker
    outage at the moment of a close therefore loses no notice (the receivers' tasks are idempotent)."""

    name = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(delivered_at__isnull=True), name="auctions_event_undelivered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class RoomEvent(models.Model):
    """The outbox of the room events (auctions.events.publish_auction_event): the events one transaction made for
    one lot's room, written in that transaction and removed once relayed to the channel layer, right after the
    commit or, when that failed (Redis away), by the beat's sweep. Only what is still on its way stays here. A
    late event is harmless: clients apply only what is newer than the `seq` they hold."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="+", db_index=False)
    events = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("room event")
        verbose_name_plural = _("room events")

    def __str__(self) -> str:
        return f"room {self.auction_id} #{self.pk}"


class Invoice(models.Model):
    """The buyer's 適格請求書 for one won lot, numbered in sequence within its sale. Amounts are fixed when it is
    issued (at the close, in the same transaction), so a later change of the sale's terms never rewrites it."""

    sale = models.ForeignKey(Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="invoices")
    number = models.PositiveIntegerField(_("number"))
    auction = models.OneToOneField(Auction, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="invoice")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="invoices"
    )
    issued_at = models.DateTimeField(_("issued at"))
    registration_number = models.CharField(_("registration number"), max_length=14, blank=True)
    hammer_price = models.PositiveBigIntegerField(_("hammer price (yen)"))
    buyer_premium_rate = models.DecimalField(_("buyer's premium rate"), max_digits=5, decimal_places=4)
    buyer_premium = models.PositiveBigIntegerField(_("buyer's premium (yen)"))
    consumption_tax_rate = models.DecimalField(_("consumption tax rate"), max_digits=5, decimal_places=4)
    consumption_tax = models.PositiveBigIntegerField(_("consumption tax (yen)"))
    total = models.PositiveBigIntegerField(_("total (yen)"))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["sale", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "number"], name="auctions_invoice_number_per_sale"),
            models.CheckConstraint(
                condition=Q(total=F("hammer_price") + F("buyer_premium") + F("consumption_tax")),
                name="auctions_invoice_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.sale_id:04d}-{self.number:05d}"
