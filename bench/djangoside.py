"""The part of the benchmark that runs inside Django, against the bench's own database (never a real one).

    python -m bench.djangoside PLAN.json OUT.json

Migrates, seeds the auctions, horses, bidders and watchers the plan asks for, mints their access tokens, and
counts the SQL queries of one typical accepted bid (on a spare auction no socket watches). The environment
(DATABASE_URL, REDIS_URL, DJANGO_SETTINGS_MODULE...) is set by the orchestrator, bench.run.
"""

import json
import sys
import uuid
from datetime import date, timedelta


def seed(plan: dict) -> dict:
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Role, User
    from auctions.models import Auction, AuctionStatus, Sale
    from horses.models import Horse

    closing = plan.get("closing_auctions", 0)
    auctions_wanted = plan["auctions"] + closing + 1  # then the lots that close, and the spare for the query count
    now = timezone.now()
    horses = Horse.objects.bulk_create(
        Horse(
            name=f"ベンチ{index:05d}",
            sex="colt",
            colour="bay",
            foaling_year=2024,
            sire="Bench Sire",
            dam="Bench Dam",
        )
        for index in range(auctions_wanted)
    )
    sale = Sale.objects.create(name_ja="ベンチマーク", starts_on=date.today(), ends_on=date.today())
    auctions = Auction.objects.bulk_create(
        Auction(
            sale=sale,
            lot_number=index + 1,
            horse=horse,
            status=AuctionStatus.ACTIVE,
            start_price=plan["start_price"],
            extension_window_seconds=plan["extension_window_seconds"],
            duration_seconds=plan["auction_seconds"],
            started_at=now,
            ends_at=now + timedelta(seconds=plan["auction_seconds"]),
        )
        for index, horse in enumerate(horses)
    )

    bidders = plan["bidders"]
    watchers = plan["watchers"] + plan["probe_users"]
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-bidder-{index}",
                role=Role.BIDDER,
                is_approved_to_bid=True,
                paddle_number=1000 + index,
                password="!",  # unusable: these accounts only ever hold the tokens minted below
            )
            for index in range(bidders)
        ]
        + [User(username=f"bench-viewer-{index}", role=Role.VIEWER, password="!") for index in range(watchers)],
        batch_size=2000,
    )
    return {
        "auctions": [auction.pk for auction in auctions[: plan["auctions"]]],
        "closing_auctions": [auction.pk for auction in auctions[plan["auctions"] : -1]],
        "spare_auction": auctions[-1].pk,
        "bidders": [
            {"id": user.pk, "paddle": user.paddle_number, "token": str(AccessToken.for_user(user))}
            for user in users[:bidders]
        ],
        "watchers": [
            {"id": user.pk, "paddle": None, "token": str(AccessToken.for_user(user))} for user in users[bidders:]
        ],
    }


def query_count(*, auction_id: int) -> dict:
    """The SQL of one accepted bid that outbids someone (the common case), on the spare auction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, User
    from auctions.models import Auction
    from bidding.services import bid_place

    first, second = (
        User.objects.create(
            username=f"bench-counter-{i}", role=Role.BIDDER, is_approved_to_bid=True, paddle_number=900 + i
        )
        for i in range(2)
    )
    auction = Auction.objects.get(pk=auction_id)
    bid_place(auction_id=auction_id, user=first, amount=auction.start_price, idempotency_key=uuid.uuid4())
    auction.refresh_from_db()
    from auctions.increments import min_next_bid

    amount = min_next_bid(
        start_price=auction.start_price, current_price=auction.current_price, table=auction.effective_increment_table
    )
    with CaptureQueriesContext(connection) as captured:
        bid_place(auction_id=auction_id, user=second, amount=amount, idempotency_key=uuid.uuid4())
    statements = [query["sql"] for query in captured.captured_queries]
    return {"queries": len(statements), "statements": [sql[:160] for sql in statements]}


def main() -> None:
    plan_path, out_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as handle:
        plan = json.load(handle)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = seed(plan)
    result["bid_query_count"] = query_count(auction_id=result["spare_auction"])
    with open(out_path, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
