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
    auction_status = serializers.CharField(source="auction.status", read_only=True)
    is_highest = serializers.SerializerMethodField()

    class Meta(OwnBidSerializer.Meta):
        fields = [*OwnBidSerializer.Meta.fields, "lot_number", "horse_name", "auction_status", "is_highest"]

    def get_is_highest(self, bid) -> bool:
        return bid.auction.high_bidder_id == bid.bidder_id and bid.auction.current_price == bid.amount
