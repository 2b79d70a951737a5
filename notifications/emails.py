"""E-mails for notifications, in the user's language.

Each kind has one short template per language (`templates/notifications/email/<lang>/<kind>.txt`): its first line
is the subject, the rest the body. The HTML part wraps the same text in one shared layout.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification

LANGUAGES = ("ja", "en")


def yen(amount) -> str:
    return f"¥{amount:,}" if isinstance(amount, int) else "-"


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    user = notification.user
    language = user.language if user.language in LANGUAGES else "ja"
    data = notification.data
    context = {
        "user": user,
        "data": data,
        "amount": yen(data.get("amount")),
        "hammer_price": yen(data.get("hammer_price")),
        "lot_url": f"{settings.SITE_URL}/auctions/{notification.auction_id}" if notification.auction_id else "",
        "site_url": settings.SITE_URL,
    }
    with translation.override(language):
        rendered = render_to_string(f"notifications/email/{language}/{notification.kind}.txt", context).strip()
        subject, _sep, body = rendered.partition("\n")
        html = render_to_string(
            "notifications/email/layout.html",
            {**context, "subject": subject.strip(), "body": body.strip(), "language": language},
        )
    message = EmailMultiAlternatives(
        subject=subject.strip(), body=body.strip() + "\n", from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    return message
