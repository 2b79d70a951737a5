"""Notification work for the Celery workers. Each task loads by id and calls a service; all are safe to retry.

The services are imported inside each task (STYLE.md, HackSoft's habit): services queue the e-mail task, so this
module is imported by them and must not import them back at load time."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils import timezone

from config.outage import OUTAGE_ERRORS

from .emails import notification_email
from .models import Notification

# A claim older than this with no send stamped is a worker that died mid-send.
EMAIL_CLAIM_SECONDS = 600
# An e-mail still owed this long after its notice was made was lost on the way (the broker refused or dropped its
# task, or the task gave up during an outage): the sweep queues it again, for a day at most.
EMAIL_OWED_AFTER_SECONDS = 60
EMAIL_OWED_FOR_HOURS = 24
# The right-hand side of every Message-ID: stable, so a resent e-mail carries the same id.
EMAIL_DOMAIN = "umaseri.notifications"

logger = logging.getLogger(__name__)


def _run_unless_gone(service, **ids) -> None:
    """A lot or bid deleted since the notice was queued will not come back: retrying cannot help, so say so once."""
    try:
        service(**ids)
    except ObjectDoesNotExist:
        logger.info("%s: nothing to tell, %s no longer exists", service.__name__, ids)


@shared_task(
    name="notifications.send_notification_email",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, *OUTAGE_ERRORS),
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
        Notification.objects.filter(pk=notification_id).update(email_wanted=False)  # nothing owed to no address
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


@shared_task(name="notifications.send_owed_emails", ignore_result=True)
def send_owed_emails() -> int:
    """The e-mails' sweep: each notice whose e-mail is owed, not sent and not being sent, is queued again. A send
    that is already on its way finds the claim or the stamp and sends nothing (send_notification_email)."""
    now = timezone.now()
    owed = list(
        Notification.objects.filter(
            email_wanted=True,
            emailed_at__isnull=True,
            created_at__lte=now - timedelta(seconds=EMAIL_OWED_AFTER_SECONDS),
            created_at__gte=now - timedelta(hours=EMAIL_OWED_FOR_HOURS),
        )
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - timedelta(seconds=EMAIL_CLAIM_SECONDS)))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for notification_id in owed:
        send_notification_email.delay(notification_id)
    if owed:
        logger.warning("%d e-mail(s) owed since their notice was made are queued again", len(owed))
    return len(owed)


# A notice task that fails (the database away a few seconds) tries again soon, not in Celery's default 3 minutes:
# a buyer hears they won within seconds of the database's return. Ten tries with back-off span about ten minutes.
NOTICE_RETRY = {
    "autoretry_for": (Exception,),
    "max_retries": 10,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "ignore_result": True,
}


@shared_task(name="notifications.notify_outbid", **NOTICE_RETRY)
def notify_outbid(auction_id: int, user_id: int, bid_id: int) -> None:
    from .services import notify_outbid as service

    _run_unless_gone(service, auction_id=auction_id, user_id=user_id, bid_id=bid_id)


@shared_task(name="notifications.notify_auction_result", **NOTICE_RETRY)
def notify_auction_result(auction_id: int) -> None:
    from .services import notify_auction_result as service

    _run_unless_gone(service, auction_id=auction_id)


@shared_task(name="notifications.notify_watchers_started", **NOTICE_RETRY)
def notify_watchers_started(auction_id: int) -> None:
    from .services import notify_watchers_started as service

    _run_unless_gone(service, auction_id=auction_id)


@shared_task(name="notifications.notify_closing_soon", ignore_result=True)
def notify_closing_soon() -> int:
    from .services import notify_closing_soon as service

    return len(service())
