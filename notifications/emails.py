"""E-mails for notifications, in the user's language.

Each kind has one short template per language (`templates/notifications/email/<lang>/<kind>.txt`): its first line
is the subject, the rest the body. The HTML part wraps the same text in one shared layout.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from auctions.invoice_pdf import invoice_pdf
from auctions.models import Invoice

from .models import Notification, NotificationKind

LANGUAGES = ("ja", "en")


def yen(amount) -> str:
    return f"¥{amount:,}" if isinstance(amount, int) else "-"


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    user = notification.user
    language = user.language if user.language in LANGUAGES else "ja"
    data = notification.data
    # The winner's e-mail carries the invoice, issued by the close in the same transaction as the result.
    invoice = None
    if notification.kind == NotificationKind.WON and notification.auction_id:
        invoice = (
            Invoice.objects.select_related("sale", "auction__horse", "buyer")
            .filter(auction_id=notification.auction_id, buyer=user)
            .first()
        )
    context = {
        "invoice": invoice,
        "invoice_total": yen(invoice.total) if invoice else "",
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
    if invoice is not None:
        message.attach(
            f"invoice-{invoice.display_number}.pdf", invoice_pdf(invoice, language=language), "application/pdf"
        )
    return message
