from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
