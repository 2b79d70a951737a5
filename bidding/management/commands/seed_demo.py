"""Load the demo data: one account per role, then the demo catalogue (horses, lots, bids and results)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import seed_users, write_accounts
from bidding.demo import seed_catalogue


class Command(BaseCommand):
    help = "Create or reset the demo accounts (one per role) and the demo catalogue."

    def handle(self, *args, **options):
        # The demo passwords are public: loading them into a real sale would hand its admin account to anyone.
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo refuses to run under production settings: it would reset the accounts 'admin', "
                "'auctioneer', 'bidder1', 'bidder2' and 'viewer' to the public demo passwords. Create real "
                "accounts with 'manage.py createsuperuser' and the admin instead."
            )
        users = seed_users()
        seed_catalogue(users=users, stdout=self.stdout)
        # Last, so that the passwords sit right above the run command's "open this URL" lines.
        write_accounts(users, stdout=self.stdout)
