"""Demo accounts for the run command: one user per role, with fixed passwords (also listed in the README).

Idempotent: running it again finds the same users and puts them back in the demo state.
Never run this against a production database; the passwords are public.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import Language, Role, User
from .services import AUCTIONEER_PERMISSIONS, AUCTIONEERS_GROUP, auctioneers_group, user_set_role

__all__ = ["AUCTIONEERS_GROUP", "AUCTIONEER_PERMISSIONS", "DEMO_ACCOUNTS", "seed_users", "write_accounts"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    language: str = Language.JAPANESE
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("admin", "umaseri-admin", Role.ADMIN, "管理者", "セリ", superuser=True),
    DemoAccount("auctioneer", "umaseri-auctioneer", Role.AUCTIONEER, "誠", "田中"),
    DemoAccount("bidder1", "umaseri-bidder1", Role.BIDDER, "花子", "佐藤"),
    DemoAccount("bidder2", "umaseri-bidder2", Role.BIDDER, "James", "Walker", language=Language.ENGLISH),
    DemoAccount("viewer", "umaseri-viewer", Role.VIEWER, "一郎", "鈴木"),
]


def _seed_account(account: DemoAccount) -> User:
    user, _created = User.objects.get_or_create(username=account.username)
    user.email = f"{account.username}@demo.umaseri.example"
    user.first_name = account.first_name
    user.last_name = account.last_name
    user.language = account.language
    user.is_active = True
    user.is_superuser = account.superuser
    user.is_approved_to_bid = account.role == Role.BIDDER
    # Vetted already: the demo's own users need no confirmation link nor an organizer's review.
    user.email_confirmed_at = user.email_confirmed_at or timezone.now()
    if not user.check_password(account.password):
        user.set_password(account.password)
    user.save()
    # The service decides staff access and groups from the role and gives bidders a paddle number.
    user_set_role(user=user, role=account.role)
    return user


@transaction.atomic
def seed_users(*, stdout=None) -> dict[str, User]:
    """Create or reset the demo accounts. Returns them by username:
    {"admin", "auctioneer", "bidder1", "bidder2", "viewer"} -> User."""
    auctioneers_group()  # refreshed even when no account changes role
    users = {account.username: _seed_account(account) for account in DEMO_ACCOUNTS}
    if stdout is not None:
        write_accounts(users, stdout=stdout)
    return users


def write_accounts(users: dict[str, User], *, stdout) -> None:
    """The demo accounts and their passwords, as a small table."""
    stdout.write("Demo accounts (username / password / role):\n")
    for account in DEMO_ACCOUNTS:
        user = users[account.username]
        paddle = f"  paddle #{user.paddle_number}" if user.paddle_number else ""
        stdout.write(f"  {account.username:<11} {account.password:<19} {account.role}{paddle}\n")
