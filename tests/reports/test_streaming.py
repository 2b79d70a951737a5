"""A big report is streamed in chunks, never built whole: under WSGI (the test client) and under ASGI (daphne),
where Django would otherwise gather a synchronous iterator in memory before sending it."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from bidding.models import Bid
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.conftest import client_for

BIDS = 3_000


def _many_bids(count: int = BIDS) -> int:
    auction = ActiveAuctionFactory(start_price=10_000, increment_table=[[None, 10_000]])
    bidders = [BidderFactory(), BidderFactory()]
    start = timezone.now() - timedelta(hours=1)
    Bid.objects.bulk_create(
        (
            Bid(
                auction=auction,
                bidder=bidders[n % 2],
                amount=10_000 * (n + 1),
                idempotency_key=uuid.uuid4(),
                placed_at=start + timedelta(milliseconds=n),
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    return auction.pk


@pytest.fixture
async def close_thread_connections():
    """The view and the setup ran in asgiref's worker thread; its database connection must not outlive the test
    (the test client switches off Django's close-at-request-end)."""
    yield
    await sync_to_async(connections.close_all)()


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_thousands_of_bids_stream_in_chunks_with_every_row(admin_user):
    auction_id = _many_bids()

    response = client_for(admin_user).get("/api/reports/bids.csv", {"auction": auction_id})

    assert response.status_code == 200
    assert response.streaming is True
    chunks = []
    for chunk in response.streaming_content:  # consumed as a client would, one piece at a time
        chunks.append(chunk)
    assert len(chunks) > 3  # the header, then rows in ~64 KiB pieces: not one blob
    rows = _rows(b"".join(chunks))
    assert len(rows) == BIDS + 1
    amounts = [int(row[5]) for row in rows[1:]]
    assert amounts == [10_000 * (n + 1) for n in range(BIDS)]  # in the order placed


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_report_is_an_async_stream(close_thread_connections):
    auction_id = await sync_to_async(_many_bids)()
    staff = await sync_to_async(UserFactory)(role="admin", is_staff=True)
    token = await sync_to_async(lambda: str(RefreshToken.for_user(staff).access_token))()

    response = await AsyncClient().get(
        "/api/reports/bids.csv", {"auction": auction_id}, headers={"authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200
    assert response.streaming is True
    assert response.is_async is True  # served as an async iterator: Django will not buffer it
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) > 3
    rows = _rows(b"".join(chunks))
    assert len(rows) == BIDS + 1
    assert rows[1][5] == "10000"


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_errors_are_still_json(close_thread_connections):
    viewer = await sync_to_async(UserFactory)(role="viewer")
    token = await sync_to_async(lambda: str(RefreshToken.for_user(viewer).access_token))()

    response = await AsyncClient().get("/api/reports/bids.csv", headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
