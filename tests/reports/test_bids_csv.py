"""GET /api/reports/bids.csv: the bid history with its audit fields, per auction or per period, and with
?attempts=1 every attempt the audit log holds, refused ones included (for disputes)."""

import uuid
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest

from bidding import errors
from bidding.reports.queries import ATTEMPTS_HEADER, BIDS_HEADER
from bidding.services import bid_place
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory

from .conftest import as_dicts, read_csv
from .factories import BidFactory

pytestmark = pytest.mark.django_db

URL = "/api/reports/bids.csv"


def test_each_bid_comes_with_its_audit_fields(staff_client):
    bidder = BidderFactory(username="bob", paddle_number=207, last_name="佐藤", first_name="花子")
    auction = ActiveAuctionFactory(sale_date=date(2026, 7, 14), lot_number=3, horse=HorseFactory(name="ソダシ2024"))
    key = uuid.uuid4()
    bid = BidFactory(
        auction=auction,
        bidder=bidder,
        amount=2_300_000,
        idempotency_key=key,
        placed_at=datetime(2026, 7, 14, 3, 4, 5, 678000, tzinfo=UTC),
        source="ws",
        client_address="2001:db8::1",
    )

    rows = read_csv(staff_client.get(URL))

    assert tuple(rows[0]) == BIDS_HEADER
    assert as_dicts(rows) == [
        {
            "Placed at (JST)": "2026-07-14T12:04:05.678000+09:00",
            "Sale date": "2026-07-14",
            "Lot": "3",
            "Auction ID": str(auction.pk),
            "Horse": "ソダシ2024",
            "Amount (JPY)": "2300000",
            "Paddle": "207",
            "Username": "bob",
            "Name": "佐藤 花子",
            "Source": "ws",
            "Client address": "2001:db8::1",
            "Idempotency key": str(key),
            "Bid ID": str(bid.pk),
        }
    ]


def test_one_auctions_history_in_the_order_it_happened(staff_client):
    auction, other = ActiveAuctionFactory(), ActiveAuctionFactory()
    first = BidFactory(auction=auction, amount=1_000_000, placed_at=datetime(2026, 7, 14, 1, 0, 1, tzinfo=UTC))
    BidFactory(auction=other, amount=1_000_000, placed_at=datetime(2026, 7, 14, 1, 0, 2, tzinfo=UTC))
    second = BidFactory(auction=auction, amount=1_100_000, placed_at=datetime(2026, 7, 14, 1, 0, 3, tzinfo=UTC))

    rows = as_dicts(read_csv(staff_client.get(URL, {"auction": auction.pk})))

    assert [r["Bid ID"] for r in rows] == [str(first.pk), str(second.pk)]
    assert {r["Auction ID"] for r in rows} == {str(auction.pk)}


def test_the_period_is_in_tokyo_time_and_a_date_until_includes_that_day(staff_client):
    # 2026-07-13 23:59:59 JST, 2026-07-14 00:00:00 JST, 2026-07-14 23:59:59 JST, 2026-07-15 00:00:00 JST
    moments = [
        datetime(2026, 7, 13, 14, 59, 59, tzinfo=UTC),
        datetime(2026, 7, 13, 15, 0, 0, tzinfo=UTC),
        datetime(2026, 7, 14, 14, 59, 59, tzinfo=UTC),
        datetime(2026, 7, 14, 15, 0, 0, tzinfo=UTC),
    ]
    auction = ActiveAuctionFactory()
    for step, moment in enumerate(moments):
        BidFactory(auction=auction, amount=1_000_000 + 100_000 * step, placed_at=moment)

    day = as_dicts(read_csv(staff_client.get(URL, {"since": "2026-07-14", "until": "2026-07-14"})))
    exact = as_dicts(
        read_csv(staff_client.get(URL, {"since": "2026-07-14T00:00:00+09:00", "until": "2026-07-14T23:59:59+09:00"}))
    )

    assert [r["Placed at (JST)"] for r in day] == [
        "2026-07-14T00:00:00.000000+09:00",
        "2026-07-14T23:59:59.000000+09:00",
    ]
    # a datetime `until` is exclusive
    assert [r["Placed at (JST)"] for r in exact] == ["2026-07-14T00:00:00.000000+09:00"]


def test_a_naive_datetime_or_an_unencoded_plus_means_tokyo(staff_client):
    auction = ActiveAuctionFactory()
    BidFactory(auction=auction, amount=1_000_000, placed_at=datetime(2026, 7, 14, 0, 30, tzinfo=UTC))  # 09:30 JST
    BidFactory(auction=auction, amount=1_100_000, placed_at=datetime(2026, 7, 14, 1, 30, tzinfo=UTC))  # 10:30 JST

    naive = as_dicts(read_csv(staff_client.get(URL, {"since": "2026-07-14T10:00:00"})))
    # "?since=2026-07-14T10:00:00+09:00" typed into a browser: the + arrives as a space
    unencoded = as_dicts(read_csv(staff_client.get(URL + "?since=2026-07-14T10:00:00+09:00")))

    assert [r["Placed at (JST)"] for r in naive] == ["2026-07-14T10:30:00.000000+09:00"]
    assert [r["Placed at (JST)"] for r in unencoded] == ["2026-07-14T10:30:00.000000+09:00"]


def test_auction_and_period_combine(staff_client):
    auction, other = ActiveAuctionFactory(), ActiveAuctionFactory()
    BidFactory(auction=auction, amount=1_000_000, placed_at=datetime(2026, 7, 13, 1, 0, tzinfo=UTC))
    kept = BidFactory(auction=auction, amount=1_100_000, placed_at=datetime(2026, 7, 14, 1, 0, tzinfo=UTC))
    BidFactory(auction=other, amount=1_000_000, placed_at=datetime(2026, 7, 14, 1, 0, tzinfo=UTC))

    rows = as_dicts(read_csv(staff_client.get(URL, {"auction": auction.pk, "since": "2026-07-14"})))

    assert [r["Bid ID"] for r in rows] == [str(kept.pk)]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"auction": "seven"}, 400, "invalid_auction"),
        ({"auction": "-1"}, 400, "invalid_auction"),
        ({"auction": "١٢"}, 400, "invalid_auction"),  # Arabic-Indic digits: isdigit() but not an id
        ({"auction": "999999"}, 404, "not_found"),
        ({"since": "2026/07/14"}, 400, "invalid_date"),
        ({"since": "2026-07-14T10:00", "until": "2026-07-14T09:00"}, 400, "invalid_period"),
        ({"attempts": "maybe"}, 400, "invalid_flag"),
    ],
)
def test_bad_filters_are_refused_with_a_code(staff_client, params, status, code):
    response = staff_client.get(URL, params)

    assert response.status_code == status
    assert response.json()["code"] == code


def test_an_injected_username_or_address_cannot_become_a_formula(staff_client):
    BidFactory(bidder=BidderFactory(username="=cmd|'/C calc'!A0", last_name="+81", first_name=""))

    [row] = as_dicts(read_csv(staff_client.get(URL)))

    assert row["Username"] == "'=cmd|'/C calc'!A0"
    assert row["Name"] == "'+81"


def test_one_auctions_file_is_named_after_its_lot_and_horse(staff_client):
    auction = ActiveAuctionFactory(
        sale_date=date(2026, 7, 14), lot_number=12, horse=HorseFactory(name="イクイノックス/2")
    )

    disposition = staff_client.get(URL, {"auction": auction.pk})["Content-Disposition"]

    assert 'filename="bids_2026-07-14_lot12.csv"' in disposition
    assert "filename*=UTF-8''" + quote("入札履歴_2026-07-14_上場12_イクイノックス_2.csv") in disposition


def _attempt(auction, user, amount):
    try:
        bid_place(
            auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4(), client_address="198.51.100.4"
        )
    except errors.BidRejected as refusal:
        return refusal.code
    return "accepted"


def test_attempts_lists_accepted_and_refused_bids_with_their_outcome(staff_client, bidder, rival):
    auction = ActiveAuctionFactory(horse=HorseFactory(name="リバティアイランド"))
    outcomes = [
        _attempt(auction, bidder, 1_000_000),
        _attempt(auction, bidder, 1_100_000),  # already the highest bidder
        _attempt(auction, rival, 1_150_000),  # off the ¥100,000 grid
        _attempt(auction, rival, "lots"),
        _attempt(auction, rival, 1_100_000),
    ]
    assert outcomes == ["accepted", "already_highest", "bid_off_increment", "invalid_amount", "accepted"]

    rows = read_csv(staff_client.get(URL, {"auction": auction.pk, "attempts": "1"}))
    accepted_only = as_dicts(read_csv(staff_client.get(URL, {"auction": auction.pk})))

    assert tuple(rows[0]) == ATTEMPTS_HEADER
    attempts = as_dicts(rows)
    assert [r["Outcome"] for r in attempts] == outcomes
    assert [r["Amount (JPY)"] for r in attempts] == [
        "1000000",
        "1100000",
        "1150000",
        "str:'lots'",
        "1100000",
    ]  # an odd amount as the audit log keeps it
    assert [r["Paddle"] for r in attempts] == [str(p) for p in [bidder.paddle_number] * 2 + [rival.paddle_number] * 3]
    assert {r["Client address"] for r in attempts} == {"198.51.100.4"}
    assert {r["Horse"] for r in attempts} == {"リバティアイランド"}
    assert attempts[0]["Reason"] == "" and attempts[1]["Reason"] != ""
    assert [int(r["Sequence"]) for r in attempts] == sorted(int(r["Sequence"]) for r in attempts)
    # each accepted attempt points at its bid, with the same idempotency key
    assert [(r["Bid ID"], r["Idempotency key"]) for r in attempts if r["Outcome"] == "accepted"] == [
        (r["Bid ID"], r["Idempotency key"]) for r in accepted_only
    ]


def test_the_history_of_several_auctions_for_an_admin_selection():
    from auctions.models import Auction
    from bidding.reports.queries import bids_report

    chosen, also, left_out = ActiveAuctionFactory(), ActiveAuctionFactory(), ActiveAuctionFactory()
    for auction in (chosen, also, left_out):
        BidFactory(auction=auction)

    report = bids_report(auctions=Auction.objects.filter(pk__in=[chosen.pk, also.pk]))

    assert sorted(row[3] for row in report.rows) == sorted([chosen.pk, also.pk])
