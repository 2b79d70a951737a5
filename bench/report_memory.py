"""Does a big CSV report stream in bounded memory? bids.csv with 100,000 bids, through the real view.

    .venv/bin/python bench/report_memory.py [--bids 100000] [--database-url postgres://postgres@127.0.0.1:5432/umaseri_bench_reports]

Runs on a throwaway database that it creates, migrates and drops again (bids are append-only). It writes the bids
with bulk_create in batches, then downloads /api/reports/bids.csv as a member of staff and consumes the response
chunk by chunk, the way a server hands it to the socket, keeping nothing but counts:

1. WSGI (Django's test Client), timed, with the process's peak RSS (ru_maxrss) before and after;
2. the same under tracemalloc, for the peak of Python allocations while streaming;
3. ASGI (Django's AsyncClient, as daphne serves it), under tracemalloc, with ru_maxrss again;
4. for contrast, the same report built whole in memory (what a non-streamed response would hold).

ru_maxrss is a high-water mark for the whole process, so its delta only shows growth beyond anything the process
had already needed (migrations, the bulk insert). tracemalloc counts Python allocations only, not the C side of
psycopg, and slows the run down; the timings come from the first run, without it.
"""

import argparse
import asyncio
import gc
import os
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import throwaway_database  # noqa: E402

BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/umaseri_bench_reports")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"))
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",  # no query log growing in memory
        API_RATE_LIMIT="100000/min",
        LOG_LEVEL="WARNING",
    )
    with throwaway_database(args.database_url):
        run(args.bids)


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def _seed(count: int) -> tuple[int, object]:
    from datetime import date, timedelta

    from django.utils import timezone

    from accounts.models import Role, User
    from auctions.models import Auction, AuctionStatus, Sale
    from bidding.models import Bid
    from horses.models import Horse

    staff = User.objects.create(username="bench_staff", role=Role.ADMIN, is_staff=True)
    bidders = [
        User.objects.create(
            username=f"bench{i}",
            role=Role.BIDDER,
            is_approved_to_bid=True,
            paddle_number=900 + i,
            last_name="山田",
            first_name=f"太郎{i}",
        )
        for i in range(20)
    ]
    horse = Horse.objects.create(
        name="ベンチマークの馬", sex="colt", colour="bay", foaling_year=2024, sire="キタサンブラック", dam="ハルノユメ"
    )
    now = timezone.now()
    auction = Auction.objects.create(
        sale=Sale.objects.create(name_ja="ベンチマーク", starts_on=date.today(), ends_on=date.today()),
        lot_number=1,
        horse=horse,
        status=AuctionStatus.ACTIVE,
        start_price=10_000,
        increment_table=[[None, 10_000]],
        started_at=now - timedelta(hours=3),
        ends_at=now + timedelta(hours=2),
    )
    start = now - timedelta(hours=3)
    for first in range(0, count, BATCH):
        Bid.objects.bulk_create(
            Bid(
                auction=auction,
                bidder=bidders[n % len(bidders)],
                amount=10_000 * (n + 1),
                idempotency_key=uuid.uuid4(),
                placed_at=start + timedelta(milliseconds=50 * n),
                source="ws" if n % 3 else "rest",
                client_address=f"198.51.100.{n % 250 + 1}",
            )
            for n in range(first, min(first + BATCH, count))
        )
    return auction.pk, staff


def _stream_wsgi(client, url, headers) -> tuple[int, int, int]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.streaming, response.status_code
    size = chunks = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        chunks += 1
        lines += chunk.count(b"\r\n")
    response.close()
    return size, chunks, lines


async def _stream_asgi(url, headers) -> tuple[int, int, int, bool]:
    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    response = await AsyncClient().get(url, headers=headers)
    assert response.status_code == 200 and response.streaming, response.status_code
    size = chunks = lines = 0
    async for chunk in response.streaming_content:
        size += len(chunk)
        chunks += 1
        lines += chunk.count(b"\r\n")
    await sync_to_async(connections.close_all)()  # the view's thread holds its own connection
    return size, chunks, lines, response.is_async


def run(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework_simplejwt.tokens import RefreshToken

    from bidding import reports
    from bidding.reports.streaming import csv_chunks

    setup_test_environment()  # lets the test clients talk to the app ("testserver" host)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    auction_id, staff = _seed(count)
    print(f"seeded {count:,} bids with bulk_create in batches of {BATCH:,} in {time.perf_counter() - started:.1f} s")
    token = str(RefreshToken.for_user(staff).access_token)
    headers = {"authorization": f"Bearer {token}"}
    url = f"/api/reports/bids.csv?auction={auction_id}"
    client = Client()
    gc.collect()

    # 1. WSGI, timed, no tracemalloc
    rss_before = _maxrss_mib()
    started = time.perf_counter()
    size, chunks, lines = _stream_wsgi(client, url, headers)
    elapsed = time.perf_counter() - started
    rss_after = _maxrss_mib()
    assert lines == count + 1, (lines, count)
    print(f"\nbids.csv, {count:,} rows, {_mib(size)} in {chunks:,} chunks")
    print(f"1. WSGI stream:   {elapsed:.2f} s ({count / elapsed:,.0f} rows/s)")
    print(f"   ru_maxrss      {rss_before:.1f} MiB -> {rss_after:.1f} MiB (delta {rss_after - rss_before:+.1f} MiB)")

    # 2. WSGI under tracemalloc
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    _stream_wsgi(client, url, headers)
    traced_elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"2. WSGI stream, tracemalloc peak {_mib(peak)} ({traced_elapsed:.2f} s with tracing)")

    # 3. ASGI under tracemalloc
    gc.collect()
    rss_before = _maxrss_mib()
    tracemalloc.start()
    started = time.perf_counter()
    size_asgi, chunks_asgi, lines_asgi, is_async = asyncio.run(_stream_asgi(url, headers))
    asgi_elapsed = time.perf_counter() - started
    _current, peak_asgi = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _maxrss_mib()
    assert lines_asgi == count + 1 and size_asgi == size, (lines_asgi, size_asgi)
    print(
        f"3. ASGI stream (async iterator: {is_async}), tracemalloc peak {_mib(peak_asgi)} "
        f"({asgi_elapsed:.2f} s with tracing), {chunks_asgi:,} chunks"
    )
    print(f"   ru_maxrss      {rss_before:.1f} MiB -> {rss_after:.1f} MiB (delta {rss_after - rss_before:+.1f} MiB)")

    # 4. contrast: the whole report in memory at once
    from auctions.models import Auction

    gc.collect()
    tracemalloc.start()
    whole = b"".join(csv_chunks(reports.bids_report(auction=Auction.objects.get(pk=auction_id))))
    _current, peak_whole = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(whole) == size
    del whole
    print(f"4. for contrast, the same CSV built whole: tracemalloc peak {_mib(peak_whole)}")


if __name__ == "__main__":
    main()
