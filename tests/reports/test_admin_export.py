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
