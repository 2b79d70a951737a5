"""Notification work for the Celery workers. Each task loads by id and calls a service; all are safe to retry.

The services are imported inside each task (STYLE.md, HackSoft's habit): services queue the e-mail task, so this
module is imported by them and must not import them back at load time."""

import smtplib
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from .emails import notification_email
from .models import Notification

# A claim older than this with no send stamped is a worker that died mid-send.
EMAIL_CLAIM_SECONDS = 600
# The right-hand side of every Message-ID: stable, so a resent e-mail carries the same id.
EMAIL_DOMAIN = "umaseri.notifications"


@shared_task(
    name="notifications.send_notification_email",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> bool:
    """Send once. The row is claimed under its lock and the lock let go before the relay is spoken to (no network
    I/O while a row lock is held); the send is stamped `emailed_at` after. A retry or a duplicate delivery finds the
    claim or the stamp and sends nothing. Only a worker that dies between the send and the stamp leaves a claim
    that expires and is taken over: that one e-mail goes again, with the same Message-ID, which mail systems use
    to drop a duplicate."""
    now = timezone.now()
    stale = now - timedelta(seconds=EMAIL_CLAIM_SECONDS)
    # One UPDATE claims it: a second worker's UPDATE waits for the first and then finds the claim (PostgreSQL
    # re-checks the condition on the row as committed).
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .update(email_claimed_at=now)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        return False
    message = notification_email(notification)
    message.extra_headers["Message-ID"] = f"<notification-{notification.pk}@{EMAIL_DOMAIN}>"
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(email_claimed_at=None)
        raise  # the task retries with backoff
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


@shared_task(name="notifications.notify_outbid", ignore_result=True, max_retries=5, autoretry_for=(Exception,))
def notify_outbid(auction_id: int, user_id: int, bid_id: int) -> None:
    from .services import notify_outbid as service

    service(auction_id=auction_id, user_id=user_id, bid_id=bid_id)


@shared_task(name="notifications.notify_auction_result", ignore_result=True, max_retries=5, autoretry_for=(Exception,))
def notify_auction_result(auction_id: int) -> None:
    from .services import notify_auction_result as service

    service(auction_id=auction_id)


@shared_task(
    name="notifications.notify_watchers_started", ignore_result=True, max_retries=5, autoretry_for=(Exception,)
)
def notify_watchers_started(auction_id: int) -> None:
    from .services import notify_watchers_started as service

    service(auction_id=auction_id)


@shared_task(name="notifications.notify_closing_soon", ignore_result=True)
def notify_closing_soon() -> int:
    from .services import notify_closing_soon as service

    return len(service())
