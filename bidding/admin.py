"""Read-only views of the bid ledger and the audit log: staff may look, nobody may change them here."""

from django.contrib import admin

from .models import AuditEntry, Bid


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("auction", "amount", "paddle", "bidder", "placed_at", "source", "client_address")
    list_filter = ("source", "auction__sale_date")
    search_fields = ("bidder__username", "bidder__paddle_number", "auction__horse__name", "auction__lot_number")
    list_select_related = ("auction__horse", "bidder")
    date_hierarchy = "placed_at"
    ordering = ("-placed_at",)

    @admin.display(description="paddle", ordering="bidder__paddle_number")
    def paddle(self, bid):
        return bid.bidder.paddle_number


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("auction", "sequence", "action", "outcome", "actor", "recorded_at", "client_address")
    list_filter = ("action", "outcome")
    search_fields = ("auction__horse__name", "actor__username", "entry_hash")
    list_select_related = ("auction__horse", "actor")
    ordering = ("-recorded_at",)


class BidInline(admin.TabularInline):
    """The bids of one auction, highest first, on the auction's admin page."""

    model = Bid
    extra = 0
    can_delete = False
    fields = ("amount", "bidder", "placed_at", "source", "client_address")
    readonly_fields = fields
    ordering = ("-amount",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
