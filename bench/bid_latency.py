"""How long does one bid take? `bid_place` end to end, commit included, on a real PostgreSQL and Redis.

    .venv/bin/python bench/bid_latency.py [--bids 3000] [--via service|rest] [--profile FILE]
        [--database-url postgres://postgres@127.0.0.1:5432/umaseri_bench]

Runs on a throwaway database that it creates, migrates and drops again (bids and the audit log are append-only, so
the benchmark never writes into a real one). Bids alternate between two bidders, each at the minimum next bid, so
every one is accepted and each runs the whole rule set, the audit chain and the after-commit broadcast.

`--via rest` places each bid as a client does, `POST /api/auctions/<id>/bids/` with the bidder's JWT, through
Django's whole request path (middleware, authentication, throttles, DRF's parsing and rendering) but without an
HTTP server: the difference from `--via service` is what the REST layer costs a bid. `--profile FILE` writes a
cProfile of the bids (open it with `python -m pstats FILE`).
"""

import argparse
import cProfile
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bids", type=int, default=3000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/umaseri_bench")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--via", choices=["service", "rest"], default="service")
    parser.add_argument("--profile", default=None, help="write a cProfile of the bids to this file")
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        BID_RATE_LIMIT_PER_MINUTE="1000000",
        API_RATE_LIMIT="100000000/min",  # as the load bench sets it: one address places every bid
        LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",  # as served: DEBUG would also record every query
    )
    with throwaway_database(args.database_url):
        run(args.bids, via=args.via, profile=args.profile)


def run(count: int, *, via: str = "service", profile: str | None = None) -> None:
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role, User
    from auctions.models import Auction, AuctionStatus, Sale
    from bidding.services import bid_place
    from horses.models import Horse

    call_command("migrate", verbosity=0)
    bidders = [
        User.objects.create(username=f"bench{i}", role=Role.BIDDER, is_approved_to_bid=True, paddle_number=900 + i)
        for i in range(2)
    ]
    horse = Horse.objects.create(name="ベンチマーク", sex="colt", colour="bay", foaling_year=2024, sire="S", dam="D")
    now = timezone.now()
    auction = Auction.objects.create(
        sale=Sale.objects.create(name_ja="ベンチマーク", starts_on=date.today(), ends_on=date.today()),
        lot_number=1,
        horse=horse,
        status=AuctionStatus.ACTIVE,
        start_price=10_000,
        increment_table=[[None, 10_000]],
        started_at=now,
        ends_at=now + timedelta(hours=2),
    )
    place = rest_bidder(auction, bidders) if via == "rest" else service_bidder(auction, bidders, bid_place)
    place(0, 10_000)  # the first request warms the URL resolver, the serializers and the connection
    amount, timings = 20_000, []
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    cpu_started = time.process_time()  # this process's CPU, the publisher's thread included
    for index in range(1, count + 1):
        started = time.perf_counter()
        place(index, amount)
        timings.append((time.perf_counter() - started) * 1000)
        amount += 10_000

    cpu_per_bid = (time.process_time() - cpu_started) * 1000 / count
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    timings.sort()
    q = statistics.quantiles(timings, n=100)
    what = "POST /api/auctions/<id>/bids/ (Django's request path, no HTTP server)" if via == "rest" else "bid_place"
    print(f"{what}, {count} accepted bids, commit included (PostgreSQL + Redis, one connection):")
    print(
        f"  p50 {q[49]:.2f} ms   p90 {q[89]:.2f} ms   p99 {q[98]:.2f} ms   max {timings[-1]:.2f} ms   "
        f"mean {statistics.fmean(timings):.2f} ms"
    )
    print(f"  this process's CPU per bid: {cpu_per_bid:.2f} ms (the rest of the wall time is PostgreSQL and Redis)")
    print("  design target: bid processed < 50 ms")


def service_bidder(auction, bidders, bid_place):
    def place(index: int, amount: int) -> None:
        bid_place(auction_id=auction.pk, user=bidders[index % 2], amount=amount, idempotency_key=uuid.uuid4())

    return place


def rest_bidder(auction, bidders):
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/api/auctions/{auction.pk}/bids/"
    headers = [{"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(bidder)}"} for bidder in bidders]

    def place(index: int, amount: int) -> None:
        body = {"amount": amount, "idempotency_key": str(uuid.uuid4())}
        response = client.post(url, body, content_type="application/json", **headers[index % 2])
        if response.status_code != 201:
            raise SystemExit(f"bid {index} answered {response.status_code}: {response.content[:300]!r}")

    return place


if __name__ == "__main__":
    main()
