"""Account work for the Celery workers: the e-mail that confirms a new bidder's address.

The service is imported inside the task (STYLE.md, as in notifications.tasks): services queue this task, so this
module is imported by them and must not import them back at load time."""

import smtplib

from celery import shared_task

from .emails import email_confirmation_email
from .models import User


@shared_task(
    name="accounts.send_email_confirmation",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    ignore_result=True,
)
def send_email_confirmation(user_id: int) -> bool:
    from .services import email_confirmation_url

    user = User.objects.filter(pk=user_id, is_active=True, email_confirmed_at__isnull=True).first()
    if user is None or not user.email:
        return False
    email_confirmation_email(user, url=email_confirmation_url(user)).send()
    return True
