"""Load the demo data: one account per role, then the demo catalogue when the auctions app provides one."""

import importlib
import importlib.util

from django.core.management.base import BaseCommand

from accounts.demo import seed_users, write_accounts


class Command(BaseCommand):
    help = "Create or reset the demo accounts (one per role) and, where available, the demo catalogue."

    def handle(self, *args, **options):
        users = seed_users()
        if importlib.util.find_spec("auctions.demo") is not None:
            catalogue = importlib.import_module("auctions.demo")
            catalogue.seed_catalogue(users=users, stdout=self.stdout)
        # Last, so that the passwords sit right above the run command's "open this URL" lines.
        write_accounts(users, stdout=self.stdout)
