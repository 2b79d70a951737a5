"""The in-app list, mark-read, and the watchlist over REST."""

import pytest

from notifications import services
from notifications.models import Watch
from tests.bidding.factories import ActiveAuctionFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_user_sees_only_their_own_notifications_and_marks_them_read(bidder, rival):
    auction = ActiveAuctionFactory()
    mine = services.notification_create(user_id=bidder.pk, kind="outbid", dedupe_key="a", auction=auction)
    services.notification_create(user_id=rival.pk, kind="outbid", dedupe_key="a", auction=auction)
    client = client_for(bidder)

    listed = client.get("/api/notifications/").json()["results"]
    assert [n["id"] for n in listed] == [mine.pk]
    assert listed[0]["read"] is False

    assert client.post(f"/api/notifications/{mine.pk}/read/").json()["read"] is True
    assert client.get("/api/notifications/?unread=1").json()["results"] == []


def test_someone_elses_notification_is_not_found(bidder, rival):
    theirs = services.notification_create(user_id=rival.pk, kind="outbid", dedupe_key="a")
    response = client_for(bidder).post(f"/api/notifications/{theirs.pk}/read/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_mark_all_read(bidder):
    for key in "abc":
        services.notification_create(user_id=bidder.pk, kind="outbid", dedupe_key=key)
    assert client_for(bidder).post("/api/notifications/read-all/").json() == {"marked": 3}


def test_follow_and_unfollow_a_lot(bidder):
    auction = ActiveAuctionFactory()
    client = client_for(bidder)
    assert client.post(f"/api/auctions/{auction.pk}/watch/").status_code == 201
    assert client.post(f"/api/auctions/{auction.pk}/watch/").status_code == 201  # following twice is one follow
    assert Watch.objects.filter(user=bidder).count() == 1
    assert [w["auction"] for w in client.get("/api/watchlist/").json()["results"]] == [auction.pk]
    assert client.delete(f"/api/auctions/{auction.pk}/watch/").status_code == 204
    assert not Watch.objects.exists()


def test_anonymous_cannot_follow_or_list(api):
    auction = ActiveAuctionFactory()
    assert api.post(f"/api/auctions/{auction.pk}/watch/").json()["code"] == "not_authenticated"
    assert api.get("/api/notifications/").status_code == 401


def test_following_an_unknown_lot_is_404(bidder):
    response = client_for(bidder).post("/api/auctions/999999/watch/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
