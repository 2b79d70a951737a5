from django.conf import settings
from django.db import models
from django.db.models import F, Q
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


class Auction(models.Model):
    """One lot: one horse, sold live on a clock. Its state changes only in the service layer.

    `ends_at` in this row is the deadline; every decision reads it under `SELECT ... FOR UPDATE`.
    """

    sale_date = models.DateField(_("sale date"))
    lot_number = models.PositiveIntegerField(_("lot number"))
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
    # Until the buyer has paid, a won lot still counts against their credit limit (rule 3).
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["sale_date", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["sale_date", "lot_number"], name="auctions_one_lot_number_per_sale_day"),
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
        ]

    def __str__(self) -> str:
        return f"{self.sale_date} Lot {self.lot_number}: {self.horse.name}"

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
