"""The catalogue a buyer needs (issue 16): a three-generation pedigree with English names, the horse's romaji
name, a walk video per lot."""

import pytest

from auctions import services
from auctions.errors import InvalidTerms
from horses.services import HorseInvalid, horse_update
from tests.auctions.factories import AuctionFactory, ScheduledAuctionFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

pytestmark = pytest.mark.django_db


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
