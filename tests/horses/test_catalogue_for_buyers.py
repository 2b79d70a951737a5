"""The catalogue a buyer needs (issue 16): vet and X-ray reports for approved bidders and organizers only, a
three-generation pedigree with English names, the horse's romaji name, a walk video per lot."""

import pytest

from auctions import services
from auctions.errors import InvalidTerms
from horses.models import HorseDocument
from horses.services import HorseInvalid, horse_update
from tests.accounts.factories import BidderFactory
from tests.auctions.factories import AuctionFactory, ScheduledAuctionFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def horse_with_report():
    horse = HorseFactory()
    HorseDocument.objects.create(horse=horse, kind="vet", title="獣医所見", file=pdf_upload())
    return horse


def test_an_approved_bidder_and_an_organizer_read_the_vet_report(horse_with_report, bidder, auctioneer):
    for user in (bidder, auctioneer):
        body = client_for(user).get(f"/api/horses/{horse_with_report.pk}/").json()
        assert [d["title"] for d in body["documents"]] == ["獣医所見"]
        assert body["documents_restricted"] is False


@pytest.mark.parametrize("who", ["anonymous", "viewer", "unapproved"])
def test_others_see_only_that_there_are_reports(horse_with_report, api, viewer, who):
    client = {
        "anonymous": api,
        "viewer": client_for(viewer),
        "unapproved": client_for(BidderFactory(is_approved_to_bid=False)),
    }[who]
    body = client.get(f"/api/horses/{horse_with_report.pk}/").json()
    assert (body["documents"], body["documents_restricted"]) == ([], True)


def test_the_shared_public_list_never_carries_reports_even_when_a_bidder_fills_the_cache(
    horse_with_report, bidder, api
):
    from_bidder = client_for(bidder).get("/api/horses/").json()["results"]
    from_anonymous = api.get("/api/horses/").json()["results"]
    for results in (from_bidder, from_anonymous):
        (listed,) = [h for h in results if h["id"] == horse_with_report.pk]
        assert (listed["documents"], listed["documents_restricted"]) == ([], True)


def test_a_pedigree_of_three_generations_with_english_names_is_kept(auctioneer):
    horse = HorseFactory()
    pedigree = {
        "s": {"ja": "キタサンブラック", "en": "Kitasan Black"},
        "ss": {"ja": "ブラックタイド", "en": "Black Tide"},
        "sss": {"ja": "サンデーサイレンス", "en": "Sunday Silence"},
        "ddd": {"ja": "ノーザンテースト", "en": "Northern Taste"},
    }
    response = client_for(auctioneer).patch(
        f"/api/horses/{horse.pk}/", {"pedigree": pedigree, "name_en": "Sakura no Shirabe"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["pedigree"], response.json()["name_en"]) == (pedigree, "Sakura no Shirabe")


@pytest.mark.parametrize(
    "pedigree",
    [
        {"ssss": {"ja": "四代目"}},  # a fourth generation
        {"s": "キタサンブラック"},  # not {"ja", "en"}
        {"s": {"ja": "x", "fr": "y"}},
        {"s": {"ja": "x" * 101}},
        ["s"],
    ],
)
def test_a_malformed_pedigree_is_refused(pedigree):
    horse = HorseFactory()
    with pytest.raises(HorseInvalid):
        horse_update(horse_id=horse.pk, pedigree=pedigree)


def test_a_lot_carries_its_video_and_only_an_https_one(api, auctioneer):
    lot = ScheduledAuctionFactory()
    services.auction_update(auction_id=lot.pk, actor=auctioneer, video_url="https://www.youtube.com/watch?v=abc123")
    assert api.get(f"/api/auctions/{lot.pk}/").json()["video_url"] == "https://www.youtube.com/watch?v=abc123"
    with pytest.raises(InvalidTerms) as refused:
        services.auction_update(auction_id=AuctionFactory().pk, actor=auctioneer, video_url="javascript:alert(1)")
    assert refused.value.code == "invalid_video_url"
