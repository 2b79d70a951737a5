"""The fault suite's cast and lots, written into the suite's own database (run by the suite in a subprocess, with
the stack's environment): `python -m tests.faults.seed LOTS`. Prints one JSON line: the users and the lot ids.

The lots are scheduled for tomorrow (so anyone may watch them), with no reserve and a short extension window: each
phase of the suite sets the durations it wants through the API and starts them there, now."""

import json
import sys
from datetime import timedelta

import django


def main(lot_count: int) -> dict:
    django.setup()
    from django.utils import timezone

    from tests.accounts.factories import PASSWORD, BidderFactory, UserFactory
    from tests.auctions.factories import ScheduledAuctionFactory

    auctioneer = UserFactory(username="faults_auctioneer", role="auctioneer", is_staff=True)
    viewer = UserFactory(username="faults_viewer", role="viewer")
    bidders = [BidderFactory(username=f"faults_bidder{n}") for n in range(1, 7)]
    tomorrow = timezone.now() + timedelta(days=1)
    lots = [
        ScheduledAuctionFactory(reserve_price=None, extension_window_seconds=3, starts_at=tomorrow)
        for _ in range(lot_count)
    ]
    return {
        "password": PASSWORD,
        "auctioneer": auctioneer.username,
        "viewer": viewer.username,
        "bidders": [{"username": b.username, "paddle": b.paddle_number} for b in bidders],
        "lots": [lot.pk for lot in lots],
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
