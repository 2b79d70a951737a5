"""Account work for the Celery workers: the e-mail that confirms a new bidder's address."""

import smtplib

from celery import shared_task


@shared_task(
    name="accounts.send_email_confirmation",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    ignore_result=True,
)
def send_email_confirmation(user_id: int) -> bool:
    from .emails import email_confirmation_email
    from .models import User

    user = User.objects.filter(pk=user_id, is_active=True, email_confirmed_at__isnull=True).first()
    if user is None or not user.email:
        return False
    email_confirmation_email(user).send()
    return True
