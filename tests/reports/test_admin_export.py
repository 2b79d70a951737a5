"""The user admin's "Export CSV" action: the bidders report for exactly the selected users, streamed."""

import pytest

from tests.accounts.factories import BidderFactory

from .conftest import as_dicts, read_csv
from .factories import BidFactory

pytestmark = pytest.mark.django_db


def test_exporting_selected_users_streams_the_bidders_report_for_them(client, admin_user):
    chosen, other = BidderFactory(username="chosen", last_name="田中"), BidderFactory(username="other")
    BidFactory(bidder=chosen)
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "export_csv", "_selected_action": [chosen.pk, admin_user.pk]},
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="bidders_')
    rows = as_dicts(read_csv(response))
    assert sorted(r["Username"] for r in rows) == ["alice_admin", "chosen"]
    assert next(r for r in rows if r["Username"] == "chosen")["Bids"] == "1"
    assert other.username not in {r["Username"] for r in rows}


def test_auction_admin_exports_results_and_bids_of_the_selected_lots(client, admin_user):
    chosen, other = BidFactory(amount=2_000_000), BidFactory(amount=3_000_000)
    client.force_login(admin_user)

    results = client.post(
        "/admin/auctions/auction/", {"action": "export_results_csv", "_selected_action": [chosen.auction_id]}
    )
    bids = client.post(
        "/admin/auctions/auction/", {"action": "export_bids_csv", "_selected_action": [chosen.auction_id]}
    )

    assert results.streaming and bids.streaming
    result_rows = as_dicts(read_csv(results))
    assert len(result_rows) == 1
    bid_rows = as_dicts(read_csv(bids))
    assert [row["Amount (JPY)"] for row in bid_rows] == ["2000000"]
    assert str(other.amount) not in {row["Amount (JPY)"] for row in bid_rows}
