"""Writes on accounts: registration, roles and paddle numbers."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from config.errors import Conflict

from .models import ORGANIZER_ROLES, Role, User

PADDLE_FIRST = 101
_PADDLE_ATTEMPTS = 5

AUCTIONEERS_GROUP = "Auctioneers"
# (app_label, model, actions): what an auctioneer may do in the Django admin. Admins are superusers.
AUCTIONEER_PERMISSIONS = [
    ("horses", "horse", ("view", "add", "change")),
    ("horses", "horsephoto", ("view", "add", "change")),
    ("horses", "horsedocument", ("view", "add", "change")),
    ("auctions", "auction", ("view", "add", "change")),
    # They watch sales run and settle them: the bids and the audit trail, read-only.
    ("bidding", "bid", ("view",)),
    ("auctions", "auditentry", ("view",)),
    ("accounts", "user", ("view",)),
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


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "ja",
) -> User:
    """Self-registration: always a bidder, approved at once unless BIDDER_APPROVAL_REQUIRED is set."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        role=Role.BIDDER,
        is_approved_to_bid=not settings.BIDDER_APPROVAL_REQUIRED,
    )
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration took the name between validation and insert
        raise Conflict(_("This username is already taken."), code="username_taken") from exc
    return user_assign_paddle(user=user)


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
