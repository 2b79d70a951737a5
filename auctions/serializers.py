"""Shapes of the auction API. Input serializers check types only; the rules live in auctions.services.
Output is auctions.selectors.auction_snapshot; AuctionSnapshotSerializer describes it for the schema."""

from rest_framework import serializers

from horses.models import Horse


class AuctionWriteSerializer(serializers.Serializer):
    """The terms an organizer sets. Creating needs the first four; editing may send any of them."""

    horse = serializers.PrimaryKeyRelatedField(queryset=Horse.objects.all())
    sale_date = serializers.DateField()
    lot_number = serializers.IntegerField()
    start_price = serializers.IntegerField(help_text="Yen, > 0.")
    reserve_price = serializers.IntegerField(
        required=False, allow_null=True, help_text="Yen, ≥ start price; hidden from bidders. Null: no reserve."
    )
    increment_table = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="[[upper_bound, step], ...] in yen, ascending, the last bound null. Null: the default table.",
    )
    max_jump = serializers.IntegerField(
        required=False, allow_null=True, help_text="Fat-finger guard in yen. Null: the platform default."
    )
    duration_seconds = serializers.IntegerField(required=False)
    extension_window_seconds = serializers.IntegerField(required=False)
    max_ends_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Optional hard stop.")
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Scheduled start; must be in the future."
    )


class ScheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it starts by itself; default: the auction's `starts_at`."
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class HorseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    colour = serializers.CharField()
    foaling_year = serializers.IntegerField()
    sire = serializers.CharField()
    dam = serializers.CharField()
    dams_sire = serializers.CharField()
    breeder = serializers.CharField()
    location = serializers.CharField()
    photo = serializers.CharField(allow_null=True, help_text="URL of the first photo.")


class AuctionSnapshotSerializer(serializers.Serializer):
    """The state of an auction (for the schema; the data comes from auctions.selectors.auction_snapshot)."""

    id = serializers.IntegerField()
    seq = serializers.IntegerField(
        help_text="The lot's version: grows by one with every change a watcher sees. Room events carry it too; "
        "a client applies only what is newer and asks for `auction:sync` when it sees a gap."
    )
    lot_number = serializers.IntegerField()
    sale_date = serializers.DateField()
    status = serializers.ChoiceField(choices=["draft", "scheduled", "active", "sold", "unsold", "cancelled"])
    start_price = serializers.IntegerField()
    current_price = serializers.IntegerField(allow_null=True)
    min_next_bid = serializers.IntegerField(allow_null=True, help_text="Null once the auction is over.")
    increment_table = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(allow_null=True)),
        help_text="The step grid in force: [[upper_bound, step], ...], the last bound null.",
    )
    max_jump = serializers.IntegerField(
        help_text="The fat-finger guard in force: a bid or maximum may exceed the current price (or the start "
        "price) by at most this much."
    )
    bid_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    reserve_met = serializers.BooleanField()
    has_reserve = serializers.BooleanField()
    starts_at = serializers.DateTimeField(allow_null=True)
    starts_at_ms = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    started_at_ms = serializers.IntegerField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    ends_at_ms = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_at_ms = serializers.IntegerField(allow_null=True)
    max_ends_at = serializers.DateTimeField(allow_null=True)
    max_ends_at_ms = serializers.IntegerField(allow_null=True)
    server_time = serializers.IntegerField(help_text="The server's clock, ms since the epoch.")
    duration_seconds = serializers.IntegerField()
    extension_window_seconds = serializers.IntegerField()
    high_bidder_paddle = serializers.IntegerField(allow_null=True)
    hammer_price = serializers.IntegerField(allow_null=True)
    winner_paddle = serializers.IntegerField(allow_null=True)
    cancel_reason = serializers.CharField(allow_blank=True)
    horse = HorseSummarySerializer()
    reserve_price = serializers.IntegerField(
        allow_null=True, required=False, help_text="Organizers only; never sent to bidders or viewers."
    )
