"""The e-mail that confirms a bidder's address, in their language (first line of the template: the subject)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Language, User

LANGUAGES = {choice.value for choice in Language}


def email_confirmation_email(user: User, *, url: str) -> EmailMultiAlternatives:
    """`url`: the confirmation link (accounts.services.email_confirmation_url)."""
    language = user.language if user.language in LANGUAGES else Language.JAPANESE
    hours = settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS // 3600
    context = {"user": user, "url": url, "hours": hours, "site_url": settings.SITE_URL}
    with translation.override(language):
        rendered = render_to_string(f"accounts/email/{language}/confirm_email.txt", context).strip()
    subject, _sep, body = rendered.partition("\n")
    return EmailMultiAlternatives(
        subject=subject.strip(), body=body.strip() + "\n", from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
