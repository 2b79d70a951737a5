"""The organizers' desk: auctions with their state, price and clock; actions that go through the services."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.errors import ServiceError

from . import services
from .errors import HorseHasOpenAuction, InvalidTerms, LotNumberTaken
from .models import Auction, AuctionStatus, AuditEntry, Invoice, Sale, SaleSession

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
    "planned_ends_at",
    "started_at",
    "ends_at",
    "paused_at",
    "closed_at",
    "current_price",
    "high_bidder",
    "bid_count",
    "extension_count",
    "winner",
    "hammer_price",
    "settled_at",
    "cancel_reason",
    "withdrawn",
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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a walk video is https only
    list_display = (
        "lot",
        "sale",
        "horse",
        "status_badge",
        "start_price_yen",
        "current_price_yen",
        "bid_count",
        "starts_at",
        "ends_at",
    )
    list_display_links = ("lot", "horse")
    list_filter = ("status", "sale")
    search_fields = ("horse__name", "horse__sire", "horse__dam", "=lot_number")
    list_select_related = ("horse", "sale")
    autocomplete_fields = ("horse",)
    ordering = ("-sale__starts_on", "sale_id", "lot_number")
    actions = (
        "schedule_selected",
        "start_selected",
        "pause_selected",
        "resume_selected",
        "withdraw_selected",
        "cancel_selected",
        "settle_selected",
    )
    fieldsets = (
        (None, {"fields": ("sale", "lot_number", "session", "horse", "video_url")}),
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

    @admin.action(description=_("Pause selected auctions (stop the clock)"), permissions=["view"])
    def pause_selected(self, request, queryset):
        self._run(request, queryset, services.auction_pause, str(_("Paused %(count)d auction(s).")))

    @admin.action(description=_("Resume selected paused auctions"), permissions=["view"])
    def resume_selected(self, request, queryset):
        self._run(request, queryset, services.auction_resume, str(_("Resumed %(count)d auction(s).")))

    @admin.action(description=_("Withdraw selected lots (before their start)"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        self._run(request, queryset, services.auction_withdraw, str(_("Withdrew %(count)d lot(s).")))

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
                "auctions": queryset.select_related("horse", "sale").order_by(
                    "sale__starts_on", "sale_id", "lot_number"
                ),
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


class SaleSessionInline(admin.TabularInline):
    model = SaleSession
    extra = 0
    fields = ("name", "opens_at", "closes_at", "interval_seconds", "scheduled_at")
    readonly_fields = ("scheduled_at",)


def _sessions_of(formset, sale: Sale | None):
    """A lot's session is one of its own sale's (none yet on the page that adds the sale)."""
    if "session" in formset.form.base_fields:
        sessions = SaleSession.objects.filter(sale=sale) if sale is not None else SaleSession.objects.none()
        formset.form.base_fields["session"].queryset = sessions
    return formset


class LotInline(admin.TabularInline):
    """The sale's lots in lot order. Terms are edited on the lot's own page (through the services); here the
    organizer sees the catalogue, renumbers lots to reorder them and assigns them to sessions. New lots are added
    in the inline below (NewLotInline)."""

    model = Auction
    fk_name = "sale"
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("lot_number",)
    fields = ("lot_number", "horse", "session", "status", "start_price_yen", "starts_at", "planned_ends_at")
    readonly_fields = ("horse", "status", "start_price_yen", "starts_at", "planned_ends_at")
    verbose_name_plural = _("lots (change a number to reorder)")

    def has_add_permission(self, request, obj=None):
        return False  # NewLotInline adds them

    def get_formset(self, request, obj=None, **kwargs):
        return _sessions_of(super().get_formset(request, obj, **kwargs), obj)

    @admin.display(description=_("start price"))
    def start_price_yen(self, auction: Auction) -> str:
        return yen(auction.start_price)


class NewLotForm(AuctionAdminForm):
    """A lot added on its sale's page: the horse, its number and start price (and its session, if any). The other
    terms keep their defaults until set on the lot's own page; the same rule check runs as there."""

    class Meta:
        model = Auction
        fields = ("lot_number", "horse", "session", "start_price")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        lot = Auction(sale=cleaned["sale"], lot_number=cleaned["lot_number"], horse=cleaned["horse"])
        try:
            services.auction_uniqueness_check(auction=lot)
        except LotNumberTaken as exc:
            self.add_error("lot_number", str(exc.message))
        except HorseHasOpenAuction as exc:
            self.add_error("horse", str(exc.message))
        return cleaned


class NewLotFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls) -> str:
        return "new_lots"  # the existing lots' inline is "lots"


class NewLotInline(admin.TabularInline):
    """Empty rows to add lots to the sale. SaleAdmin.save_formset creates each through services.auction_create,
    in draft, as the lot's own add page does."""

    model = Auction
    fk_name = "sale"
    form = NewLotForm
    formset = NewLotFormSet
    extra = 1  # one blank row to fill in; "add another" gives more
    can_delete = False
    fields = ("lot_number", "horse", "session", "start_price")
    autocomplete_fields = ("horse",)
    verbose_name = _("new lot")
    verbose_name_plural = _("add lots (in draft; the other terms are set on each lot's page)")

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # only rows to add: the sale's lots are listed above

    def get_formset(self, request, obj=None, **kwargs):
        return _sessions_of(super().get_formset(request, obj, **kwargs), obj)


@admin.register(SaleSession)
class SaleSessionAdmin(admin.ModelAdmin):
    """The sessions of every sale (each is also an inline of its sale). bidding/admin.py adds the console."""

    list_display = ("__str__", "sale", "opens_at", "closes_at", "interval_seconds", "lot_count", "scheduled_at")
    list_filter = ("sale",)
    list_select_related = ("sale",)
    ordering = ("-opens_at", "pk")
    date_hierarchy = "opens_at"
    fields = ("sale", "name", "opens_at", "closes_at", "interval_seconds", "scheduled_at")
    readonly_fields = ("scheduled_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lot_total=models.Count("lots"))

    @admin.display(description=_("lots"), ordering="lot_total")
    def lot_count(self, session: SaleSession) -> int:
        return session.lot_total


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ("name_ja", "name_en", "venue", "starts_on", "ends_on", "buyer_premium_rate", "lot_count")
    search_fields = ("name_ja", "name_en", "venue")
    date_hierarchy = "starts_on"
    ordering = ("-starts_on",)
    inlines = (SaleSessionInline, LotInline, NewLotInline)
    actions = ("schedule_sessions",)
    fieldsets = (
        (None, {"fields": (("name_ja", "name_en"), "venue", ("starts_on", "ends_on"))}),
        (
            _("Terms for the buyer"),
            {"fields": ("buyer_premium_rate", "invoice_registration_number", "conditions_of_sale")},
        ),
    )

    @admin.display(description=_("lots"))
    def lot_count(self, sale: Sale) -> int:
        return sale.lots.count()

    def save_formset(self, request, form, formset, change):
        """Lots are written through the services: new ones created one by one, existing ones renumbered together
        (so a swap works) and assigned to sessions."""
        if isinstance(formset, NewLotFormSet):
            return self._add_lots(request, form, formset)
        if formset.model is not Auction:
            return super().save_formset(request, form, formset, change)
        return self._change_lots(request, form, formset)

    def _add_lots(self, request, form, formset) -> None:
        created = []
        for lot_form in formset.forms:
            if not lot_form.has_changed():
                continue
            terms = {field: lot_form.cleaned_data[field] for field in NewLotForm._meta.fields}
            try:
                created.append(services.auction_create(actor=request.user, sale=form.instance, **terms))
            except ServiceError as exc:  # e.g. the number taken meanwhile: the other new lots are still added
                self.message_user(request, f"Lot {terms['lot_number']}: {exc.message}", messages.ERROR)
        # What the admin's change message reads: the lots actually added.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, [], []

    def _change_lots(self, request, form, formset) -> None:
        numbers, sessions = {}, {}
        for lot_form in formset.forms:
            lot = lot_form.instance
            if lot.pk is None or not lot_form.has_changed():
                continue
            if "lot_number" in lot_form.changed_data:
                numbers[lot.pk] = lot_form.cleaned_data["lot_number"]
            if "session" in lot_form.changed_data:
                sessions[lot.pk] = lot_form.cleaned_data["session"]
        try:
            services.sale_lots_renumber(sale_id=form.instance.pk, numbers=numbers, actor=request.user)
            for auction_id, session in sessions.items():
                services.auction_update(auction_id=auction_id, actor=request.user, session=session)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        # What the admin's change message reads: nothing was added or deleted through this inline.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (lot_form.instance, lot_form.changed_data) for lot_form in formset.forms if lot_form.has_changed()
        ]
        return None

    @admin.action(description=_("Schedule every session of the selected sales (staggered closing)"))
    def schedule_sessions(self, request, queryset):
        done, refused = 0, []
        for session in SaleSession.objects.filter(sale__in=queryset).order_by("opens_at", "pk"):
            try:
                done += len(services.sale_session_schedule(session_id=session.pk, actor=request.user))
            except ServiceError as exc:
                refused.append(f"{session}: {exc.message}")
        if done:
            self.message_user(request, _("Scheduled %(count)d lot(s).") % {"count": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Invoices are issued by the close and never edited: a correction is a new document, not an edit."""

    list_display = ("display_number", "sale", "auction", "buyer", "issued_at", "total", "pdf_link")
    list_filter = ("sale",)
    search_fields = ("buyer__username", "auction__horse__name")
    list_select_related = ("sale", "auction__horse", "buyer")
    readonly_fields = ("pdf_link",)

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice: Invoice) -> str:
        """The document itself, from the buyers' endpoint (which lets staff read every invoice)."""
        return format_html(
            '<a href="{}" download>{}</a>', reverse("invoice-pdf", args=[invoice.pk]), _("Download the PDF")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
