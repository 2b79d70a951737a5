"""Notification work for the Celery workers. Each task loads by id and calls a service; all are safe to retry.

The services are imported inside each task (STYLE.md, HackSoft's habit): services queue the e-mail task, so this
module is imported by them and must not import them back at load time."""

import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .emails import notification_email
from .models import Notification


@shared_task(
    name="notifications.send_notification_email",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> bool:
    """Send once: the row is locked while sending and stamped `emailed_at`, so a retry or a duplicate delivery of
    this task finds the stamp and sends nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None or not notification.user.email:
            return False
        notification_email(notification).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
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
