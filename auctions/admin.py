"""The organizers' desk: auctions with their state, price and clock; actions that go through the services."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.errors import ServiceError

from . import services
from .errors import InvalidTerms
from .models import Auction, AuctionStatus, AuditEntry

STATUS_COLOURS = {
    AuctionStatus.DRAFT: "#6b7280",
    AuctionStatus.SCHEDULED: "#2563eb",
    AuctionStatus.ACTIVE: "#16a34a",
    AuctionStatus.SOLD: "#7c3aed",
    AuctionStatus.UNSOLD: "#b45309",
    AuctionStatus.CANCELLED: "#dc2626",
}
RUNTIME_FIELDS = (
    "status",
    "started_at",
    "ends_at",
    "closed_at",
    "current_price",
    "high_bidder",
    "bid_count",
    "extension_count",
    "winner",
    "hammer_price",
    "settled_at",
    "cancel_reason",
)


def yen(amount: int | None) -> str:
    return "—" if amount is None else f"¥{amount:,}"


class AuctionAdminForm(forms.ModelForm):
    """The terms of a lot. The same rule check as the API runs here, so a refusal shows beside its field."""

    class Meta:
        model = Auction
        fields = services.TERM_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        terms = {field: cleaned.get(field, getattr(self.instance, field, None)) for field in services.TERM_FIELDS}
        changed = set(self.changed_data) if self.instance.pk else set(services.TERM_FIELDS)
        try:
            services.auction_terms_check(terms=terms, now=timezone.now(), changed=changed)
        except InvalidTerms as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return cleaned


@admin.register(Auction)
class AuctionAdmin(admin.ModelAdmin):
    form = AuctionAdminForm
    list_display = (
        "lot",
        "sale_date",
        "horse",
        "status_badge",
        "start_price_yen",
        "current_price_yen",
        "bid_count",
        "starts_at",
        "ends_at",
    )
    list_display_links = ("lot", "horse")
    list_filter = ("status", "sale_date")
    search_fields = ("horse__name", "horse__sire", "horse__dam", "=lot_number")
    date_hierarchy = "sale_date"
    list_select_related = ("horse",)
    autocomplete_fields = ("horse",)
    ordering = ("-sale_date", "lot_number")
    actions = ("schedule_selected", "start_selected", "cancel_selected", "settle_selected")
    fieldsets = (
        (None, {"fields": ("sale_date", "lot_number", "horse")}),
        (_("Prices"), {"fields": ("start_price", "reserve_price", "increment_table", "max_jump")}),
        (_("Clock"), {"fields": ("starts_at", "duration_seconds", "extension_window_seconds", "max_ends_at")}),
        (
            _("Progress and result"),
            {"fields": RUNTIME_FIELDS, "description": _("Written by the lifecycle and the bids; read-only.")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in services.EDITABLE:
            return (*services.TERM_FIELDS, *RUNTIME_FIELDS)
        return RUNTIME_FIELDS

    def has_change_permission(self, request, obj=None):
        # Once it has started, a lot's page is a record: shown, not saved (its terms are frozen).
        if obj is not None and obj.status not in services.EDITABLE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A lot that has been published is cancelled, never deleted: its history stays.
        return False

    # --- list columns -------------------------------------------------------------------------------------

    @admin.display(description=_("lot"), ordering="lot_number")
    def lot(self, auction: Auction) -> str:
        return f"Lot {auction.lot_number}"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, auction: Auction):
        return format_html(
            '<span style="color:#fff;background:{};padding:2px 8px;border-radius:9px;white-space:nowrap">{}</span>',
            STATUS_COLOURS.get(auction.status, "#6b7280"),
            auction.get_status_display(),
        )

    @admin.display(description=_("start price"), ordering="start_price")
    def start_price_yen(self, auction: Auction) -> str:
        return yen(auction.start_price)

    @admin.display(description=_("current price"), ordering="current_price")
    def current_price_yen(self, auction: Auction) -> str:
        return yen(auction.current_price)

    # --- saving goes through the services ------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        terms = {field: form.cleaned_data[field] for field in services.TERM_FIELDS if field in form.cleaned_data}
        if change:
            changed = {field: terms[field] for field in form.changed_data if field in terms}
            if not changed:
                return
            saved = services.auction_update(auction_id=obj.pk, actor=request.user, **changed)
        else:
            saved = services.auction_create(actor=request.user, **terms)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    # --- actions ---------------------------------------------------------------------------------------------

    def _run(self, request, queryset, service, done_message: str, **kwargs) -> None:
        done, refused = 0, []
        for auction in queryset.select_related("horse").order_by("pk"):
            try:
                service(auction_id=auction.pk, actor=request.user, **kwargs)
                done += 1
            except ServiceError as exc:
                refused.append(f"Lot {auction.lot_number} ({auction.horse.name}): {exc.message}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(
        description=_("Schedule selected auctions (start by themselves at their start time)"), permissions=["change"]
    )
    def schedule_selected(self, request, queryset):
        self._run(request, queryset, services.auction_schedule, str(_("Scheduled %(count)d auction(s).")))

    @admin.action(description=_("Start selected auctions now"), permissions=["change"])
    def start_selected(self, request, queryset):
        self._run(request, queryset, services.auction_start, str(_("Started %(count)d auction(s).")))

    @admin.action(description=_("Mark selected sold lots as settled (paid)"), permissions=["view"])
    def settle_selected(self, request, queryset):
        self._run(request, queryset, services.auction_settle, str(_("Settled %(count)d lot(s).")))

    @admin.action(description=_("Cancel selected auctions…"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        """Asks first (with a reason), since a cancelled auction cannot come back."""
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Cancel auctions"),
                "opts": self.model._meta,
                "auctions": queryset.select_related("horse").order_by("sale_date", "lot_number"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "max_reason": services.MAX_CANCEL_REASON,
            }
            return TemplateResponse(request, "admin/auctions/auction/cancel_confirmation.html", context)
        reason = request.POST.get("reason", "")
        self._run(
            request,
            queryset,
            services.auction_cancel,
            str(_("Cancelled %(count)d auction(s).")),
            reason=reason,
        )
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The tamper-evident ledger (rule 7): staff may read it; nobody may add, change or remove an entry here."""

    list_display = ("auction", "sequence", "action", "outcome", "actor", "recorded_at", "client_address")
    list_filter = ("action", "outcome")
    search_fields = ("auction__horse__name", "actor__username", "entry_hash")
    list_select_related = ("auction__horse", "actor")
    ordering = ("-recorded_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
