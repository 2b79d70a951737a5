from rest_framework import serializers

from .models import Bid


class BidCreateSerializer(serializers.Serializer):
    # Kept as raw JSON: the service decides what a valid amount is (an integer, not "1e6" or 1.5), once for
    # REST and WebSocket alike, and answers `invalid_amount`.
    amount = serializers.JSONField()
    idempotency_key = serializers.CharField(max_length=64)


class BidSerializer(serializers.ModelSerializer):
    """A bid as everyone sees it: paddle number, amount, server time (rule 8)."""

    paddle_number = serializers.IntegerField(source="bidder.paddle_number", read_only=True)
    placed_at_ms = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = ["id", "auction", "amount", "paddle_number", "placed_at", "placed_at_ms"]

    def get_placed_at_ms(self, bid) -> int:
        return int(bid.placed_at.timestamp() * 1000)


class OwnBidSerializer(BidSerializer):
    """The answer to one's own bid: also the idempotency key it was sent with."""

    class Meta(BidSerializer.Meta):
        fields = [*BidSerializer.Meta.fields, "idempotency_key"]


class StaffBidSerializer(BidSerializer):
    """Staff see who the paddle belongs to."""

    bidder_username = serializers.CharField(source="bidder.username", read_only=True)
    bidder_name = serializers.CharField(source="bidder.get_full_name", read_only=True)

    class Meta(BidSerializer.Meta):
        fields = [*BidSerializer.Meta.fields, "bidder_username", "bidder_name", "source", "client_address"]


class MyBidSerializer(OwnBidSerializer):
    """One of my own bids, with enough of its lot to list it on my page."""

    lot_number = serializers.IntegerField(source="auction.lot_number", read_only=True)
    horse_name = serializers.CharField(source="auction.horse.name", read_only=True)
    horse_name_en = serializers.CharField(source="auction.horse.name_en", read_only=True)
    auction_status = serializers.CharField(source="auction.status", read_only=True)
    is_highest = serializers.SerializerMethodField()

    class Meta(OwnBidSerializer.Meta):
        fields = [
            *OwnBidSerializer.Meta.fields,
            "lot_number",
            "horse_name",
            "horse_name_en",
            "auction_status",
            "is_highest",
        ]

    def get_is_highest(self, bid) -> bool:
        return bid.auction.high_bidder_id == bid.bidder_id and bid.auction.current_price == bid.amount


class MaxBidWriteSerializer(serializers.Serializer):
    # Raw JSON, as for a bid: the service decides what a valid amount is and answers `invalid_amount`.
    max_amount = serializers.JSONField(help_text="Whole yen, on the bid step grid.")
    idempotency_key = serializers.CharField(max_length=64, help_text="A client-generated UUID.")


class MaxBidSerializer(serializers.Serializer):
    """One's own maximum (never anyone else's), with where the lot stands for its owner."""

    auction = serializers.IntegerField(source="max_bid.auction_id")
    max_amount = serializers.IntegerField(source="max_bid.max_amount")
    created_at = serializers.DateTimeField(source="max_bid.created_at")
    updated_at = serializers.DateTimeField(source="max_bid.updated_at")
    current_price = serializers.IntegerField(source="auction.current_price", allow_null=True)
    leading = serializers.SerializerMethodField(help_text="Whether the owner is the highest bidder now.")
    automatic_bids = OwnBidSerializer(
        many=True,
        source="automatic",
        help_text="The automatic bids this request placed at once, in order (empty for GET).",
    )

    def get_leading(self, outcome) -> bool:
        return outcome.auction.high_bidder_id == outcome.max_bid.bidder_id
