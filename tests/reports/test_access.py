"""Reports are for staff (is_staff) only; everyone else gets the platform's JSON error with a code."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

REPORTS = ["/api/reports/results.csv", "/api/reports/bids.csv", "/api/reports/bidders.csv"]


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("who", ["admin", "auctioneer"])
def test_staff_may_download(cast, url, who):
    response = client_for(cast[who]).get(url)

    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("who", ["bidder", "viewer"])
def test_bidders_and_viewers_are_refused(cast, url, who):
    response = client_for(cast[who]).get(url)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("url", REPORTS)
def test_an_organizer_role_without_staff_status_is_refused(url):
    response = client_for(UserFactory(role="auctioneer", is_staff=False)).get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("url", REPORTS)
def test_anonymous_callers_must_sign_in(api, url):
    response = api.get(url, HTTP_ACCEPT="text/csv")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", REPORTS)
def test_a_bad_token_is_refused(url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_staff_signed_in_to_the_admin_may_open_a_report_link(client, auctioneer, bidder):
    client.force_login(auctioneer)
    assert client.get("/api/reports/results.csv").status_code == 200

    client.force_login(bidder)
    assert client.get("/api/reports/results.csv").status_code == 403


def test_the_schema_documents_the_reports_as_csv(api):
    schema = api.get("/api/schema/?format=json").json()

    for url in REPORTS:
        responses = schema["paths"][url]["get"]["responses"]
        assert "text/csv" in responses["200"]["content"]
        assert {"400", "401", "403"} <= set(responses)
    parameters = {p["name"] for p in schema["paths"]["/api/reports/bids.csv"]["get"]["parameters"]}
    assert {"auction", "since", "until", "attempts"} <= parameters
