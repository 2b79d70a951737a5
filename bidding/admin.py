"""The bid ledger in the admin: read-only, and what the lower apps' admin pages gain from it.

Bidding sits above accounts and auctions, so it is here, not there, that the auction page gets its bids and the
auction and user lists get their CSV exports: the lower apps register their own admin, and this module re-registers
it with the additions (Django's documented way of extending another app's ModelAdmin).
"""

from functools import partial

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin
from accounts.models import User
from auctions.admin import AuctionAdmin, LotInline, NewLotInline, SaleAdmin, SaleSessionAdmin, SaleSessionInline, yen
from auctions.models import Auction, Sale, SaleSession

from . import console, reports
from .models import Bid, MaxBid


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("auction", "amount", "paddle", "bidder", "placed_at", "source", "client_address")
    list_filter = ("source", "auction__sale")
    search_fields = ("bidder__username", "bidder__paddle_number", "auction__horse__name", "auction__lot_number")
    list_select_related = ("auction__horse", "bidder")
    date_hierarchy = "placed_at"
    ordering = ("-placed_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("paddle"), ordering="bidder__paddle_number")
    def paddle(self, bid):
        return bid.bidder.paddle_number


@admin.register(MaxBid)
class MaxBidAdmin(admin.ModelAdmin):
    """Bidders' maxima, for staff only (bidders never see each other's): read-only, written by the bid service."""

    list_display = ("auction", "max_amount", "paddle", "bidder", "created_at", "updated_at", "withdrawn_at")
    list_filter = ("auction__sale", ("withdrawn_at", admin.EmptyFieldListFilter))
    search_fields = ("bidder__username", "bidder__paddle_number", "auction__horse__name", "auction__lot_number")
    list_select_related = ("auction__horse", "bidder")
    ordering = ("-updated_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("paddle"), ordering="bidder__paddle_number")
    def paddle(self, max_bid):
        return max_bid.bidder.paddle_number


class BidInline(admin.TabularInline):
    """A read-only list of the accepted bids on the auction's page (staff see names: rule 8 is for bidders)."""

    model = Bid
    extra = 0
    can_delete = False
    ordering = ("-amount",)
    fields = ("placed_at", "amount_yen", "paddle", "bidder", "source")
    readonly_fields = fields
    verbose_name_plural = _("bids (accepted, newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("amount"))
    def amount_yen(self, bid) -> str:
        return yen(bid.amount)

    @admin.display(description=_("paddle"))
    def paddle(self, bid):
        return bid.bidder.paddle_number


admin.site.unregister(Auction)


@admin.register(Auction)
class AuctionWithBidsAdmin(AuctionAdmin):
    inlines = (BidInline,)
    actions = (*AuctionAdmin.actions, "export_results_csv", "export_bids_csv")

    @admin.action(description=_("Export results of selected auctions as CSV"), permissions=["view"])
    def export_results_csv(self, request, queryset):
        return reports.report_response(request, reports.results_report(auctions=queryset))

    @admin.action(description=_("Export bid history of selected auctions as CSV"), permissions=["view"])
    def export_bids_csv(self, request, queryset):
        return reports.report_response(request, reports.bids_report(auctions=queryset))


admin.site.unregister(User)


@admin.register(User)
class UserWithReportsAdmin(UserAdmin):
    actions = (*UserAdmin.actions, "export_csv")

    @admin.action(description=_("Export selected users as CSV"))
    def export_csv(self, request, queryset):
        return reports.report_response(request, reports.bidders_report(users=queryset))


# --- the auctioneer's console, per sale session (bidding/console.py) ----------------------------------------------


def console_link(session: SaleSession) -> str:
    """The console's door (it refuses anyone but an organizer itself)."""
    if session.pk is None:
        return "—"
    return format_html(
        '<a class="button" style="white-space:nowrap" href="{}">{}</a>',
        reverse("admin:auctions_salesession_console", args=[session.pk]),
        _("Console"),
    )


class SaleSessionWithConsoleInline(SaleSessionInline):
    fields = (*SaleSessionInline.fields, "console")
    readonly_fields = (*SaleSessionInline.readonly_fields, "console")

    @admin.display(description=_("console"))
    def console(self, session: SaleSession) -> str:
        return console_link(session)


admin.site.unregister(Sale)


@admin.register(Sale)
class SaleWithConsoleAdmin(SaleAdmin):
    inlines = (SaleSessionWithConsoleInline, LotInline, NewLotInline)


admin.site.unregister(SaleSession)


@admin.register(SaleSession)
class SaleSessionWithConsoleAdmin(SaleSessionAdmin):
    list_display = (*SaleSessionAdmin.list_display, "console")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/console/",
                wrap(partial(console.console_page, model_admin=self)),
                name="auctions_salesession_console",
            ),
            path(
                "<path:object_id>/console/live/",
                wrap(partial(console.console_live, model_admin=self)),
                name="auctions_salesession_console_live",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("auctioneer's console"))
    def console(self, session: SaleSession) -> str:
        return console_link(session)
