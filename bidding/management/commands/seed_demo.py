"""Load the demo data: one account per role, then the demo catalogue (horses, lots, bids and results)."""

from django.core.management.base import BaseCommand

from accounts.demo import seed_users, write_accounts
from bidding.demo import seed_catalogue


class Command(BaseCommand):
    help = "Create or reset the demo accounts (one per role) and the demo catalogue."

    def handle(self, *args, **options):
        users = seed_users()
        seed_catalogue(users=users, stdout=self.stdout)
        # Last, so that the passwords sit right above the run command's "open this URL" lines.
        write_accounts(users, stdout=self.stdout)
