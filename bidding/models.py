from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BidSource(models.TextChoices):
    REST = "rest", "REST"
    WEBSOCKET = "ws", "WebSocket"


class Bid(models.Model):
    """An accepted bid. Immutable: written once by bidding.services.bid_place, never updated or deleted
    (PostgreSQL refuses both; see migration 0002)."""

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    amount = models.PositiveBigIntegerField(_("amount (yen)"))
    idempotency_key = models.UUIDField(_("idempotency key"))
    # Server time read after the auction's row lock was taken: the moment the bid counts from.
    placed_at = models.DateTimeField(_("placed at"))
    source = models.CharField(max_length=4, choices=BidSource.choices, default=BidSource.REST)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["auction", "-amount"]
        constraints = [
            models.UniqueConstraint(fields=["bidder", "idempotency_key"], name="bidding_bid_idempotent_per_user"),
            # Accepted amounts strictly increase within an auction, so no two can be equal.
            models.UniqueConstraint(fields=["auction", "amount"], name="bidding_bid_amount_unique_per_auction"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bidding_bid_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["auction", "placed_at"]),
            models.Index(fields=["bidder", "placed_at"]),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount:,} on {self.auction_id} by {self.bidder_id}"


class AuditAction(models.TextChoices):
    BID = "bid", _("Bid attempt")
    START = "start", _("Start")
    EXTEND = "extend", _("Extension")
    CLOSE = "close", pgettext_lazy("audit action", "Close")
    CANCEL = "cancel", _("Cancel")
    SCHEDULE = "schedule", _("Schedule")


class AuditEntry(models.Model):
    """Append-only, tamper-evident log: each entry carries the hash of the previous one in its auction.

    Written only by bidding.audit.audit_record while the auction's row lock is held, so a chain has no forks.
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
        constraints = [
            models.UniqueConstraint(fields=["auction", "sequence"], name="bidding_audit_one_entry_per_sequence"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.outcome}"
