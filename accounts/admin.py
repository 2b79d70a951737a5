from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "role",
        "paddle_number",
        "is_approved_to_bid",
        "credit_limit",
        "is_active",
    )
    list_filter = ("role", "is_approved_to_bid", "is_active", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name", "paddle_number")
    ordering = ("username",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Auction"),
            {"fields": ("role", "paddle_number", "is_approved_to_bid", "credit_limit", "language")},
        ),
    )
    readonly_fields = ("paddle_number",)
    actions = ("approve_to_bid", "revoke_approval")

    def save_related(self, request, form, formsets, change):
        # After the form's own groups are saved, or they would overwrite the ones the role brings.
        super().save_related(request, form, formsets, change)
        if "role" in form.changed_data or not change:
            services.user_set_role(user=form.instance, role=form.instance.role)

    @admin.action(description=_("Approve selected users to bid"))
    def approve_to_bid(self, request, queryset):
        queryset.update(is_approved_to_bid=True)

    @admin.action(description=_("Revoke approval to bid"))
    def revoke_approval(self, request, queryset):
        # One save per user, not queryset.update(): the save announces the lowered standing, which closes the
        # bidder's open sockets at once (accounts.signals).
        for user in queryset.filter(is_approved_to_bid=True):
            user.is_approved_to_bid = False
            user.save(update_fields=["is_approved_to_bid"])
