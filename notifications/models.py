from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    OUTBID = "outbid", _("Outbid")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    WATCH_STARTED = "watch_started", _("A followed lot started")
    WATCH_CLOSING = "watch_closing", _("A followed lot is closing soon")
    CONSIGNOR_RESULT = "consignor_result", _("Result for the consignor")


class Notification(models.Model):
    """Something a user should hear about. `dedupe_key` makes every trigger create at most one per user, however
    often a task runs; `emailed_at` does the same for the e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    auction = models.ForeignKey("auctions.Auction", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker takes the e-mail on; the send happens after, outside any lock. A claim older than
    # EMAIL_CLAIM_SECONDS with no `emailed_at` is a worker that died mid-send: the next attempt takes it over.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    # The e-mail is owed until `emailed_at`: the sweep (tasks.send_owed_emails) queues again what the broker lost.
    email_wanted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notifications_once_per_trigger"),
        ]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Watch(models.Model):
    """A user follows a lot: they hear when it starts and shortly before it closes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    auction = models.ForeignKey("auctions.Auction", on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("followed lot")
        verbose_name_plural = _("followed lots")
        constraints = [models.UniqueConstraint(fields=["user", "auction"], name="notifications_watch_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.auction_id}"
