from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from config.errors import ServiceError

from . import services
from .models import User, VettingStatus


class ApproveToBidForm(forms.Form):
    credit_limit = forms.IntegerField(
        label=_("Credit limit (yen)"),
        min_value=1,
        max_value=10**15,
        help_text=_("The most each selected bidder may commit to: the lots they lead and have won, not yet settled."),
    )


class VettingStatusFilter(admin.SimpleListFilter):
    title = _("vetting")
    parameter_name = "vetting"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in VettingStatus if s != VettingStatus.NOT_APPLICABLE]

    def queryset(self, request, queryset):
        bidders = queryset.filter(role="bidder")
        if self.value() == VettingStatus.APPROVED:
            return bidders.filter(is_approved_to_bid=True)
        if self.value() == VettingStatus.UNDER_REVIEW:
            return bidders.filter(is_approved_to_bid=False, email_confirmed_at__isnull=False)
        if self.value() == VettingStatus.EMAIL_UNCONFIRMED:
            return bidders.filter(is_approved_to_bid=False, email_confirmed_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "full_name",
        "email",
        "role",
        "paddle_number",
        "email_confirmed",
        "is_approved_to_bid",
        "credit_limit",
        "is_active",
    )
    list_filter = (VettingStatusFilter, "role", "is_approved_to_bid", "is_active", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name", "full_name", "full_name_kana", "paddle_number")
    ordering = ("username",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Auction"),
            {"fields": ("role", "paddle_number", "is_approved_to_bid", "credit_limit", "language")},
        ),
        (
            _("Vetting"),
            {
                "fields": (
                    "full_name",
                    "full_name_kana",
                    "phone",
                    "address",
                    "email_confirmed_at",
                    "conditions_version",
                    "conditions_accepted_at",
                )
            },
        ),
    )
    # Approval goes through the action, which checks the vetting and asks for the credit limit.
    readonly_fields = (
        "paddle_number",
        "is_approved_to_bid",
        "email_confirmed_at",
        "conditions_version",
        "conditions_accepted_at",
    )
    actions = ("approve_to_bid", "revoke_approval")

    @admin.display(boolean=True, description=_("e-mail confirmed"))
    def email_confirmed(self, user: User) -> bool:
        return user.email_confirmed

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("accounts.approve_user")

    def save_related(self, request, form, formsets, change):
        # After the form's own groups are saved, or they would overwrite the ones the role brings.
        super().save_related(request, form, formsets, change)
        if "role" in form.changed_data or not change:
            services.user_set_role(user=form.instance, role=form.instance.role)

    @admin.action(description=_("Approve selected bidders to bid, with a credit limit…"), permissions=["approve"])
    def approve_to_bid(self, request, queryset):
        form = ApproveToBidForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            limit = form.cleaned_data["credit_limit"]
            approved, refused = 0, []
            for user in queryset:
                try:
                    services.user_approve_to_bid(user=user, credit_limit=limit, actor=request.user)
                    approved += 1
                except ServiceError as exc:
                    refused.append(f"{user.username}: {exc.message}")
            if approved:
                self.message_user(
                    request,
                    _("Approved to bid with a credit limit of ¥%(limit)s: %(count)d.")
                    % {"count": approved, "limit": f"{limit:,}"},
                    messages.SUCCESS,
                )
            for line in refused:
                self.message_user(request, _("Not approved: %(reason)s") % {"reason": line}, messages.WARNING)
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": _("Approve to bid"),
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/user/approve_to_bid.html", context)

    @admin.action(description=_("Revoke approval to bid"), permissions=["approve"])
    def revoke_approval(self, request, queryset):
        # One save per user, not queryset.update(): the save announces the lowered standing, which closes the
        # bidder's open sockets at once (accounts.signals).
        for user in queryset.filter(is_approved_to_bid=True):
            services.user_revoke_bid_approval(user=user)
