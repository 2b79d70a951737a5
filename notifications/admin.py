from django.contrib import admin

from .models import Notification, Watch


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "auction", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "auction__horse")
    readonly_fields = ("user", "kind", "auction", "data", "dedupe_key", "created_at", "read_at", "emailed_at")


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("user", "auction", "created_at")
    search_fields = ("user__username",)
    list_select_related = ("user", "auction__horse")
