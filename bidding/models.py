from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BidSource(models.TextChoices):
    REST = "rest", "REST"
    WEBSOCKET = "ws", "WebSocket"
    MAX_BID = "max_bid", _("Maximum bid (automatic)")


class Bid(models.Model):
    """An accepted bid. Immutable: written once by bidding.services.bid_place, never updated or deleted
    (PostgreSQL refuses both; see migration 0002)."""

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    amount = models.PositiveBigIntegerField(_("amount (yen)"))
    idempotency_key = models.UUIDField(_("idempotency key"))
    # Server time read after the auction's row lock was taken: the moment the bid counts from.
    placed_at = models.DateTimeField(_("placed at"))
    source = models.CharField(max_length=8, choices=BidSource.choices, default=BidSource.REST)
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


class MaxBid(models.Model):
    """A bidder's standing maximum on one lot (rule 10): the server bids for them up to `max_amount`.

    Written only by bidding.max_bids under the auction's row lock. `created_at` is what "the earlier maximum"
    means in a tie; raising keeps it. A withdrawn maximum stays (with `withdrawn_at`) for the record; a new one
    may then be set. Seen by its owner and by staff only."""

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="max_bids")
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="max_bids")
    max_amount = models.PositiveBigIntegerField(_("maximum (yen)"))
    # Every idempotency key that set or raised this maximum, with the amount it asked for: a retry finds its own.
    keys = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("set at"))
    updated_at = models.DateTimeField(_("updated at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("maximum bid")
        verbose_name_plural = _("maximum bids")
        ordering = ["auction", "-max_amount", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "bidder"],
                condition=Q(withdrawn_at__isnull=True),
                name="bidding_one_standing_max_per_bidder",
            ),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="bidding_max_amount_positive"),
        ]
        indexes = [models.Index(fields=["auction", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"max ¥{self.max_amount:,} on {self.auction_id} by {self.bidder_id}"
