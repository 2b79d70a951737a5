"""The public horse list comes from the cache between catalogue edits, and no edit is ever hidden by it."""

import pytest

from horses.models import Horse, HorsePhoto
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory, png_upload

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def test_the_list_is_served_from_the_cache_until_the_catalogue_changes(api, django_assert_num_queries):
    HorseFactory(name="ミナモノヒカリ")
    assert names(api.get("/api/horses/")) == ["ミナモノヒカリ"]
    with django_assert_num_queries(0):
        assert names(api.get("/api/horses/")) == ["ミナモノヒカリ"]


def test_an_edit_a_new_horse_and_a_removal_show_at_once(api, auctioneer):
    horse = HorseFactory(name="ミナモノヒカリ")
    names(api.get("/api/horses/"))

    client_for(auctioneer).patch(f"/api/horses/{horse.pk}/", {"name": "ミナモノカガヤキ"}, format="json")
    assert names(api.get("/api/horses/")) == ["ミナモノカガヤキ"]

    HorseFactory(name="ウラカワスピリット")
    assert sorted(names(api.get("/api/horses/"))) == sorted(["ミナモノカガヤキ", "ウラカワスピリット"])

    Horse.objects.filter(name="ウラカワスピリット").get().delete()
    assert names(api.get("/api/horses/")) == ["ミナモノカガヤキ"]


def test_a_new_photo_shows_at_once(api, auctioneer):
    horse = HorseFactory()
    assert api.get("/api/horses/").json()["results"][0]["photos"] == []
    uploaded = client_for(auctioneer).post(f"/api/horses/{horse.pk}/photos/", {"image": png_upload()})
    assert uploaded.status_code == 201, uploaded.json()
    assert len(api.get("/api/horses/").json()["results"][0]["photos"]) == 1
    HorsePhoto.objects.get().delete()
    assert api.get("/api/horses/").json()["results"][0]["photos"] == []


def test_organizers_never_get_the_public_page_and_the_public_never_gets_theirs(api, auctioneer):
    HorseFactory(consignor=UserFactory(username="consigning_farm"))
    assert "consignor" not in api.get("/api/horses/").json()["results"][0]
    assert "consignor" in client_for(auctioneer).get("/api/horses/").json()["results"][0]
    assert "consignor" not in api.get("/api/horses/").json()["results"][0]


def test_each_language_and_page_has_its_own_entry(api):
    for index in range(3):
        HorseFactory(name=f"ホース{index}", sex="filly")
    japanese = api.get("/api/horses/?limit=2", HTTP_ACCEPT_LANGUAGE="ja").json()
    english = api.get("/api/horses/?limit=2", HTTP_ACCEPT_LANGUAGE="en").json()
    assert japanese["results"][0]["sex_display"] != english["results"][0]["sex_display"]
    assert len(japanese["results"]) == 2
    assert len(api.get("/api/horses/?limit=2&offset=2").json()["results"]) == 1
