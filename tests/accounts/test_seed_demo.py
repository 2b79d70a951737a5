"""The demo data behind the run command: one account per role, safe to load again and again."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import AUCTIONEERS_GROUP, DEMO_ACCOUNTS, seed_users
from accounts.models import User
from tests.accounts.factories import BidderFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(
        User.objects.values_list(
            "pk", "username", "role", "is_staff", "is_superuser", "is_approved_to_bid", "paddle_number"
        )
    )


def test_one_account_per_role_with_the_published_password():
    users = seed_users()

    assert set(users) == {"admin", "auctioneer", "bidder1", "bidder2", "viewer"}
    assert {u.role for u in users.values()} == {"admin", "auctioneer", "bidder", "viewer"}
    for account in DEMO_ACCOUNTS:
        assert User.objects.get(username=account.username).check_password(account.password)


def test_seeding_twice_gives_the_same_users():
    # Given the demo data is loaded
    seed_users()
    before = _snapshot()

    # When it is loaded again
    seed_users()

    # Then nothing was added or changed
    assert _snapshot() == before
    assert User.objects.count() == len(DEMO_ACCOUNTS)


def test_seeding_puts_a_changed_demo_account_back():
    users = seed_users()
    admin = users["admin"]
    admin.set_password("something-else-entirely")
    admin.is_superuser = False
    admin.save()

    seed_users()

    admin.refresh_from_db()
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("umaseri-admin")


def test_admin_is_a_superuser():
    admin = seed_users()["admin"]

    assert (admin.role, admin.is_staff, admin.is_superuser) == ("admin", True, True)


def test_auctioneer_is_staff_not_superuser_and_in_the_auctioneers_group():
    auctioneer = seed_users()["auctioneer"]

    auctioneer = User.objects.get(pk=auctioneer.pk)  # fresh permission cache
    assert auctioneer.role == "auctioneer"
    assert auctioneer.is_staff is True
    assert auctioneer.is_superuser is False
    assert list(auctioneer.groups.values_list("name", flat=True)) == [AUCTIONEERS_GROUP]
    for perm in [
        "horses.add_horse",
        "horses.change_horse",
        "horses.view_horsephoto",
        "horses.add_horsedocument",
        "auctions.add_auction",
        "auctions.change_auction",
        "accounts.view_user",
    ]:
        assert auctioneer.has_perm(perm), perm
    assert not auctioneer.has_perm("accounts.change_user")
    assert not auctioneer.has_perm("auctions.delete_auction")


def test_bidders_are_approved_with_their_own_paddle_numbers():
    # Given someone already holds the first paddle
    BidderFactory(username="early_bird", paddle_number=101)

    users = seed_users()

    paddles = {users["bidder1"].paddle_number, users["bidder2"].paddle_number}
    assert None not in paddles and 101 not in paddles and len(paddles) == 2
    assert users["bidder1"].is_approved_to_bid and users["bidder2"].is_approved_to_bid
    assert not users["bidder1"].is_staff


def test_viewer_may_not_bid_or_use_the_admin():
    viewer = seed_users()["viewer"]

    assert (viewer.role, viewer.is_staff, viewer.is_approved_to_bid, viewer.paddle_number) == (
        "viewer",
        False,
        False,
        None,
    )


def test_seed_demo_command_prints_every_account_and_password():
    out = StringIO()

    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    printed = out.getvalue()
    for account in DEMO_ACCOUNTS:
        assert account.username in printed
        assert account.password in printed
    # The accounts come last, right above the run command's "open this URL" lines
    assert printed.rstrip().splitlines()[-1].split()[:2] == ["viewer", "umaseri-viewer"]
    assert User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).count() == len(DEMO_ACCOUNTS)


# --- never under production settings --------------------------------------------------------------------------


def test_seeding_is_refused_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_under_production_settings_exits_non_zero_and_changes_nothing():
    # Given a real sale's admin account, with a password of its own
    import os
    import secrets
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    from tests.accounts.factories import UserFactory

    admin = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)
    admin.set_password("the-real-admins-own-password")
    admin.save()

    # When an operator runs the demo loader against it with the production settings
    db = settings.DATABASES["default"]
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="sale.example.jp",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}",
        REDIS_URL=settings.REDIS_URL,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then it stops with a clear error, and the admin keeps their own password
    assert result.returncode != 0
    assert "seed_demo" in result.stderr and "production" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    admin.refresh_from_db()
    assert admin.check_password("the-real-admins-own-password")
    assert User.objects.count() == 1
