"""Writes on accounts: registration and vetting (the e-mail confirmation, an organizer's approval), roles and paddle
numbers, and what users change about themselves."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import Conflict, ServiceError

from .models import ORGANIZER_ROLES, Role, User
from .tasks import send_email_confirmation

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = _("An account with this e-mail address already exists.")


class ConditionsNotAccepted(ServiceError):
    code = "conditions_not_accepted"
    default_message = _("Please read and accept the current conditions of sale.")


class ConfirmationInvalid(ServiceError):
    code = "confirmation_invalid"
    default_message = _("This confirmation link is not valid. Ask for a new one from your page.")


class ConfirmationExpired(ServiceError):
    code = "confirmation_expired"
    default_message = _("This confirmation link has expired. Ask for a new one from your page.")


class EmailAlreadyConfirmed(Conflict):
    code = "email_already_confirmed"
    default_message = _("Your e-mail address is already confirmed.")


class NotABidder(ServiceError):
    code = "not_a_bidder"
    default_message = _("Only bidders can be approved to bid.")


class EmailNotConfirmed(ServiceError):
    code = "email_not_confirmed"
    default_message = _("The bidder has not confirmed their e-mail address yet.")


class CreditLimitRequired(ServiceError):
    code = "credit_limit_required"
    default_message = _("Approval to bid needs a credit limit above zero.")


PADDLE_FIRST = 101
_PADDLE_ATTEMPTS = 5

AUCTIONEERS_GROUP = "Auctioneers"
# (app_label, model, actions): what an auctioneer may do in the Django admin. Admins are superusers.
AUCTIONEER_PERMISSIONS = [
    ("horses", "horse", ("view", "add", "change")),
    ("horses", "horsephoto", ("view", "add", "change")),
    ("horses", "horsedocument", ("view", "add", "change")),
    ("auctions", "auction", ("view", "add", "change")),
    # They build sales: the sale with its sessions, and its lots as inlines.
    ("auctions", "sale", ("view", "add", "change")),
    ("auctions", "salesession", ("view", "add", "change", "delete")),
    ("auctions", "invoice", ("view",)),
    # They watch sales run and settle them: the bids and the audit trail, read-only.
    ("bidding", "bid", ("view",)),
    ("bidding", "maxbid", ("view",)),  # bidders' maxima: staff only (rule 10)
    ("auctions", "auditentry", ("view",)),
    # They vet bidders: see their accounts, approve them with a credit limit or withdraw the approval.
    ("accounts", "user", ("view", "approve")),
]


def _next_paddle_number() -> int:
    highest = User.objects.aggregate(highest=Max("paddle_number"))["highest"]
    return max(highest or 0, PADDLE_FIRST - 1) + 1


def user_assign_paddle(*, user: User) -> User:
    """Give a bidder the next free paddle number. Two concurrent registrations may pick the same number;
    the unique constraint refuses the second, which then retries with the next one."""
    if user.paddle_number:
        return user
    for _attempt in range(_PADDLE_ATTEMPTS):
        user.paddle_number = _next_paddle_number()
        try:
            with transaction.atomic():
                user.save(update_fields=["paddle_number"])
            return user
        except IntegrityError:
            user.paddle_number = None
    raise RuntimeError("could not allocate a paddle number")


def email_in_use(email: str) -> bool:
    return bool(email) and User.objects.filter(email__iexact=email).exists()


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    full_name: str,
    full_name_kana: str,
    phone: str,
    address: str,
    conditions_version: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "ja",
) -> User:
    """Self-registration: always a bidder, never approved yet. A link to confirm the e-mail address goes out after
    the commit; an organizer's approval (user_approve_to_bid) follows, or, when BIDDER_APPROVAL_REQUIRED is off,
    the confirmation itself approves."""
    if conditions_version != settings.CONDITIONS_OF_SALE_VERSION:
        raise ConditionsNotAccepted()
    if email_in_use(email):
        raise EmailTaken()
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        role=Role.BIDDER,
        is_approved_to_bid=False,
        full_name=full_name,
        full_name_kana=full_name_kana,
        phone=phone,
        address=address,
        conditions_version=conditions_version,
        conditions_accepted_at=timezone.now(),
    )
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration took the name or the address since the checks
        if "accounts_user_email_ci_unique" in str(exc):
            raise EmailTaken() from exc
        raise Conflict(_("This username is already taken."), code="username_taken") from exc
    user_assign_paddle(user=user)
    email_confirmation_send(user=user)
    return user


def email_confirmation_token(user: User) -> str:
    """A signed, timestamped token naming the user and the address it confirms (a changed address voids it)."""
    return signing.TimestampSigner(salt=EMAIL_CONFIRMATION_SALT).sign_object(
        {"user": user.pk, "email": user.email.lower()}
    )


def email_confirmation_url(user: User) -> str:
    # Any page of the SPA reads the token from the query string; the lot list is open to everyone.
    return f"{settings.SITE_URL}/auctions?confirm_email={email_confirmation_token(user)}"


def email_confirmation_send(*, user: User) -> None:
    """Mail the confirmation link once the transaction commits (by a Celery worker)."""
    user_id = user.pk
    transaction.on_commit(lambda: send_email_confirmation.delay(user_id))


def email_confirmation_resend(*, user: User) -> None:
    if user.email_confirmed_at is not None:
        raise EmailAlreadyConfirmed()
    email_confirmation_send(user=user)


@transaction.atomic
def user_confirm_email(*, token: str) -> User:
    """Confirm the address a token names. Confirming again changes nothing. Without BIDDER_APPROVAL_REQUIRED a
    bidder is approved to bid by this alone."""
    try:
        claims = signing.TimestampSigner(salt=EMAIL_CONFIRMATION_SALT).unsign_object(
            token, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise ConfirmationExpired() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ConfirmationInvalid() from None
    if not isinstance(claims, dict):
        raise ConfirmationInvalid()
    user = User.objects.select_for_update().filter(pk=claims.get("user"), is_active=True).first()
    if user is None or user.email.lower() != claims.get("email"):
        raise ConfirmationInvalid()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        fields = ["email_confirmed_at"]
        if user.role == Role.BIDDER and not settings.BIDDER_APPROVAL_REQUIRED:
            user.is_approved_to_bid = True
            fields.append("is_approved_to_bid")
        user.save(update_fields=fields)
    return user


def bid_approval_refusal(*, user: User, credit_limit) -> ServiceError | None:
    """Why this user cannot be approved to bid with this credit limit, or None."""
    if user.role != Role.BIDDER:
        return NotABidder()
    if user.email_confirmed_at is None:
        return EmailNotConfirmed()
    if not isinstance(credit_limit, int) or isinstance(credit_limit, bool) or credit_limit <= 0:
        return CreditLimitRequired()
    return None


@transaction.atomic
def user_approve_to_bid(*, user: User, credit_limit: int, actor: User | None = None) -> User:
    """An organizer approves a vetted bidder, with the most they may commit to (yen)."""
    refusal = bid_approval_refusal(user=user, credit_limit=credit_limit)
    if refusal is not None:
        raise refusal
    user.is_approved_to_bid = True
    user.credit_limit = credit_limit
    user.save(update_fields=["is_approved_to_bid", "credit_limit"])
    user_assign_paddle(user=user)
    return user


@transaction.atomic
def user_revoke_bid_approval(*, user: User) -> User:
    user.is_approved_to_bid = False
    user.save(update_fields=["is_approved_to_bid"])
    return user


def auctioneers_group() -> Group:
    """The Auctioneers group, holding exactly AUCTIONEER_PERMISSIONS (created on first use)."""
    group, _created = Group.objects.get_or_create(name=AUCTIONEERS_GROUP)
    group.permissions.set(
        Permission.objects.get(content_type__app_label=app, content_type__model=model, codename=f"{act}_{model}")
        for app, model, actions in AUCTIONEER_PERMISSIONS
        for act in actions
    )
    return group


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Change a user's role. Organizers get staff access to the admin, and auctioneers the Auctioneers group
    (what they may do there); bidders get a paddle number. Leaving a role takes its access away again."""
    user.role = role
    user.is_staff = role in ORGANIZER_ROLES or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    if role == Role.AUCTIONEER:
        user.groups.add(auctioneers_group())
    else:
        user.groups.remove(*Group.objects.filter(name=AUCTIONEERS_GROUP))
    if role == Role.BIDDER:
        user_assign_paddle(user=user)
    return user


def user_update_profile(*, user: User, email: str | None = None, language: str | None = None) -> User:
    """The user's own e-mail address and language; nothing else about an account is theirs to change. A new
    address must be free, and is unconfirmed until the link sent to it is followed (approval to bid stays as it
    is: an organizer's decision)."""
    changed = []
    if email is not None and email.lower() != user.email.lower():
        if email_in_use(email):
            raise EmailTaken()
        user.email, user.email_confirmed_at = email, None
        changed += ["email", "email_confirmed_at"]
    if language is not None and language != user.language:
        user.language = language
        changed.append("language")
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError as exc:  # taken by someone else since the check
            raise EmailTaken() from exc
        if "email" in changed:
            email_confirmation_send(user=user)
    return user


class WrongPassword(ServiceError):
    code = "wrong_password"
    default_message = _("The current password is not correct.")


def user_change_password(*, user: User, current_password: str, new_password: str) -> User:
    """A new password, after the current one is given and the new one passes the password validators."""
    if not user.check_password(current_password):
        raise WrongPassword()
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="weak_password", field="new_password") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user
