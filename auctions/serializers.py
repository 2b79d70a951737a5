"""Shapes of the auction API. Input serializers check types only; the rules live in auctions.services.
Output is auctions.selectors.auction_snapshot; AuctionSnapshotSerializer describes it for the schema."""

from rest_framework import serializers

from horses.models import Horse

from .models import Sale, SaleSession


class AuctionWriteSerializer(serializers.Serializer):
    """The terms an organizer sets. Creating needs the first four; editing may send any of them."""

    horse = serializers.PrimaryKeyRelatedField(queryset=Horse.objects.all())
    sale = serializers.PrimaryKeyRelatedField(queryset=Sale.objects.all(), help_text="The sale the lot belongs to.")
    lot_number = serializers.IntegerField(help_text="The lot's number within its sale.")
    session = serializers.PrimaryKeyRelatedField(
        queryset=SaleSession.objects.all(), required=False, allow_null=True, help_text="A session of the same sale."
    )
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
    video_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="The lot's walk video, an https address."
    )


class ScheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it starts by itself; default: the auction's `starts_at`."
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class MessageSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text="Shown to everyone watching the lot (auction:message).")


class SaleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_ja = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)


class BuyerTotalSerializer(serializers.Serializer):
    """What the buyer pays for a hammer price (DESIGN.md rule 11), integer yen; rates as exact decimal strings."""

    hammer_price = serializers.IntegerField()
    buyer_premium_rate = serializers.CharField(help_text='e.g. "0.05"')
    buyer_premium = serializers.IntegerField(help_text="floor(hammer × rate)")
    consumption_tax_rate = serializers.CharField(help_text='"0.1"')
    consumption_tax = serializers.IntegerField(help_text="floor((hammer + premium) × rate)")
    total = serializers.IntegerField()


class ConsignorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The consignor's user id (the `consignor` filter of the lot list).")
    name = serializers.CharField(help_text="Full name, or the username when none is given.")


class HorseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True, help_text="Romaji or English name, when given.")
    sex = serializers.CharField()
    colour = serializers.CharField()
    foaling_year = serializers.IntegerField()
    sire = serializers.CharField()
    dam = serializers.CharField()
    dams_sire = serializers.CharField()
    sire_en = serializers.CharField(allow_blank=True, help_text="The sire's English name, when the pedigree gives it.")
    dam_en = serializers.CharField(allow_blank=True, help_text="The dam's English name, when given.")
    dams_sire_en = serializers.CharField(allow_blank=True, help_text="The dam's sire's English name, when given.")
    breeder = serializers.CharField()
    location = serializers.CharField()
    photo = serializers.CharField(allow_null=True, help_text="URL of the first photo.")
    consignor = ConsignorSerializer(
        allow_null=True,
        required=False,
        help_text="Organizers only: who consigned the horse (absent for everyone else); null when nobody is set.",
    )


class AuctionSnapshotSerializer(serializers.Serializer):
    """The state of an auction (for the schema; the data comes from auctions.selectors.auction_snapshot)."""

    id = serializers.IntegerField()
    seq = serializers.IntegerField(
        help_text="The lot's version: grows by one with every change a watcher sees. Room events carry it too; "
        "a client applies only what is newer and asks for `auction:sync` when it sees a gap."
    )
    sale = SaleRefSerializer()
    lot_number = serializers.IntegerField(help_text="Within its sale.")
    session_id = serializers.IntegerField(allow_null=True)
    sale_date = serializers.DateField(help_text="The sale's first day.")
    status = serializers.ChoiceField(choices=["draft", "scheduled", "active", "sold", "unsold", "cancelled"])
    paused = serializers.BooleanField(help_text="The auctioneer stopped the clock; bids are refused.")
    paused_at = serializers.DateTimeField(allow_null=True)
    paused_at_ms = serializers.IntegerField(allow_null=True)
    paused_remaining_ms = serializers.IntegerField(allow_null=True, help_text="While paused: the time left.")
    withdrawn = serializers.BooleanField(help_text="Cancelled before its start: taken out of the sale.")
    buyer_premium_rate = serializers.CharField(help_text='The sale\'s, as a decimal string, e.g. "0.05".')
    consumption_tax_rate = serializers.CharField(help_text='"0.1"')
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
    planned_ends_at = serializers.DateTimeField(allow_null=True, help_text="The end its session planned for it.")
    planned_ends_at_ms = serializers.IntegerField(allow_null=True)
    server_time = serializers.IntegerField(help_text="The server's clock, ms since the epoch.")
    duration_seconds = serializers.IntegerField()
    extension_window_seconds = serializers.IntegerField()
    high_bidder_paddle = serializers.IntegerField(allow_null=True)
    hammer_price = serializers.IntegerField(allow_null=True)
    winner_paddle = serializers.IntegerField(allow_null=True)
    cancel_reason = serializers.CharField(allow_blank=True)
    video_url = serializers.CharField(allow_blank=True, help_text="The lot's walk video (https), to embed.")
    horse = HorseSummarySerializer()
    reserve_price = serializers.IntegerField(
        allow_null=True, required=False, help_text="Organizers only; never sent to bidders or viewers."
    )
    buyer_total = BuyerTotalSerializer(required=False, help_text="Detail only, with `?for_amount=`.")


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    opens_at = serializers.DateTimeField()
    opens_at_ms = serializers.IntegerField()
    closes_at = serializers.DateTimeField(help_text="When its first lot is due to end.")
    closes_at_ms = serializers.IntegerField()
    interval_seconds = serializers.IntegerField(help_text="Between one lot's due end and the next's.")


class SaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name_ja = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    venue = serializers.CharField(allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    buyer_premium_rate = serializers.CharField()
    consumption_tax_rate = serializers.CharField()
    invoice_registration_number = serializers.CharField(allow_blank=True)
    conditions_of_sale = serializers.CharField(allow_blank=True)
    sessions = SessionSerializer(many=True)


class SaleDetailSerializer(SaleSerializer):
    lots = AuctionSnapshotSerializer(many=True, help_text="In lot order.")


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="Sequential within its sale: <sale>-<number>.")
    sale = SaleRefSerializer()
    auction_id = serializers.IntegerField()
    lot_number = serializers.IntegerField()
    horse_name = serializers.CharField()
    horse_name_en = serializers.CharField(allow_blank=True, help_text='The romaji / English name; "" if none.')
    buyer_paddle = serializers.IntegerField(allow_null=True)
    issued_at = serializers.DateTimeField()
    registration_number = serializers.CharField(allow_blank=True)
    hammer_price = serializers.IntegerField()
    buyer_premium_rate = serializers.CharField()
    buyer_premium = serializers.IntegerField()
    consumption_tax_rate = serializers.CharField()
    consumption_tax = serializers.IntegerField()
    total = serializers.IntegerField()
    pdf_url = serializers.CharField()
