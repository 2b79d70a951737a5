"""GET /api/reports/bidders.csv: who may bid, their limits, and what they did."""

from datetime import UTC, datetime

import pytest

from bidding.reports.queries import BIDDERS_HEADER
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.factories import ActiveAuctionFactory

from .conftest import as_dicts, read_csv
from .factories import BidFactory, SoldAuctionFactory

pytestmark = pytest.mark.django_db

URL = "/api/reports/bidders.csv"


def test_a_bidder_row_carries_identity_limits_and_activity(staff_client):
    hanako = BidderFactory(
        username="hanako",
        paddle_number=150,
        last_name="鈴木",
        first_name="花子",
        email="hanako@example.jp",
        credit_limit=300_000_000,
        date_joined=datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
    )
    for _ in range(3):
        BidFactory(bidder=hanako)
    SoldAuctionFactory(winner=hanako, hammer_price=20_000_000)
    SoldAuctionFactory(winner=hanako, hammer_price=35_000_000)

    rows = read_csv(staff_client.get(URL))

    assert tuple(rows[0]) == BIDDERS_HEADER
    [row] = [r for r in as_dicts(rows) if r["Username"] == "hanako"]
    assert row == {
        "Paddle": "150",
        "Username": "hanako",
        "Name": "鈴木 花子",
        "Email": "hanako@example.jp",
        "Role": "bidder",
        "Approved to bid": "yes",
        "Active": "yes",
        "Credit limit (JPY)": "300000000",
        "Joined (JST)": "2026-04-01T09:00:00.000000+09:00",
        "Bids": "3",
        "Lots won": "2",
        "Won total (JPY)": "55000000",
    }


def test_bid_and_win_counts_do_not_multiply_each_other(staff_client):
    busy = BidderFactory(username="busy")
    BidderFactory(username="quiet", credit_limit=None, is_approved_to_bid=False)
    for _ in range(4):
        BidFactory(bidder=busy)
    SoldAuctionFactory(winner=busy)
    SoldAuctionFactory(winner=busy)
    SoldAuctionFactory(winner=busy)

    rows = {r["Username"]: r for r in as_dicts(read_csv(staff_client.get(URL)))}

    assert (rows["busy"]["Bids"], rows["busy"]["Lots won"], rows["busy"]["Won total (JPY)"]) == ("4", "3", "36000000")
    assert (rows["quiet"]["Bids"], rows["quiet"]["Lots won"], rows["quiet"]["Won total (JPY)"]) == ("0", "0", "0")
    assert (rows["quiet"]["Credit limit (JPY)"], rows["quiet"]["Approved to bid"]) == ("", "no")


def test_by_default_bidders_and_anyone_who_bid_in_paddle_order(staff_client, admin_user, viewer):
    BidderFactory(username="late", paddle_number=900)
    BidderFactory(username="early", paddle_number=5)
    BidderFactory(username="no_paddle", paddle_number=None)
    former = UserFactory(username="former_bidder", role="viewer")
    BidFactory(bidder=former, auction=ActiveAuctionFactory())

    usernames = [r["Username"] for r in as_dicts(read_csv(staff_client.get(URL)))]

    assert usernames == ["early", "late", "former_bidder", "no_paddle"]  # no paddle: last


def test_role_picks_roles_instead(staff_client, admin_user, auctioneer, viewer, bidder):
    rows = as_dicts(read_csv(staff_client.get(URL, {"role": "admin,auctioneer"})))

    assert sorted(r["Username"] for r in rows) == ["alice_admin", "olivia_auctioneer"]


def test_an_unknown_role_is_refused_with_a_code(staff_client):
    response = staff_client.get(URL, {"role": "bidder,superhero"})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_role", "role")


def test_a_formula_in_a_name_or_email_is_neutralised(staff_client):
    BidderFactory(username="eve", first_name="", last_name="=1+1", email="@evil.example")

    [row] = [r for r in as_dicts(read_csv(staff_client.get(URL))) if r["Username"] == "eve"]

    assert (row["Name"], row["Email"]) == ("'=1+1", "'@evil.example")
