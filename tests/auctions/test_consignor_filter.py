"""Issue 16's catalogue: organizers filter the lots by consignor; nobody else learns who consigned what, by the
filter or by the lot's data."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.auctions.factories import SaleFactory, ScheduledAuctionFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consigned():
    """One sale of three lots: two consigned by Sato Farm, one by Kato Farm."""
    sato = UserFactory(username="sato_farm", full_name="佐藤牧場")
    kato = UserFactory(username="kato_farm", full_name="")
    sale = SaleFactory()
    lots = [
        ScheduledAuctionFactory(sale=sale, lot_number=1, horse=HorseFactory(consignor=sato)),
        ScheduledAuctionFactory(sale=sale, lot_number=2, horse=HorseFactory(consignor=kato)),
        ScheduledAuctionFactory(sale=sale, lot_number=3, horse=HorseFactory(consignor=sato)),
    ]
    return sale, lots, sato, kato


def lot_numbers(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [lot["lot_number"] for lot in response.json()["results"]]


@pytest.mark.parametrize("role", ["auctioneer", "admin"])
def test_an_organizer_filters_the_lots_by_consignor_and_sees_who_consigned_each(role, consigned, cast):
    sale, _lots, sato, kato = consigned
    client = client_for(cast[role])

    assert lot_numbers(client.get(f"/api/auctions/?sale={sale.pk}&consignor={sato.pk}")) == [1, 3]
    kato_lots = client.get(f"/api/auctions/?sale={sale.pk}&consignor={kato.pk}").json()["results"]
    assert [lot["lot_number"] for lot in kato_lots] == [2]
    assert kato_lots[0]["horse"]["consignor"] == {"id": kato.pk, "name": "kato_farm"}  # no full name: username
    detail = client.get(f"/api/sales/{sale.pk}/").json()
    assert [lot["horse"]["consignor"]["name"] for lot in detail["lots"]] == ["佐藤牧場", "kato_farm", "佐藤牧場"]


@pytest.mark.parametrize("role", ["bidder", "viewer", "anonymous"])
def test_for_anyone_else_the_filter_is_ignored_and_the_consignor_never_shown(role, consigned, cast):
    sale, _lots, sato, _kato = consigned
    client = APIClient() if role == "anonymous" else client_for(cast[role])

    response = client.get(f"/api/auctions/?sale={sale.pk}&consignor={sato.pk}")
    assert lot_numbers(response) == [1, 2, 3]
    assert all("consignor" not in lot["horse"] for lot in response.json()["results"])
    assert client.get(f"/api/auctions/?sale={sale.pk}&consignor=nonsense").status_code == 200
    detail = client.get(f"/api/sales/{sale.pk}/").json()
    assert all("consignor" not in lot["horse"] for lot in detail["lots"])
    single = client.get(f"/api/auctions/{detail['lots'][0]['id']}/").json()
    assert "consignor" not in single["horse"]


def test_an_organizers_bad_consignor_is_a_400_with_a_code(consigned, cast):
    sale, *_rest = consigned
    response = client_for(cast["auctioneer"]).get(f"/api/auctions/?sale={sale.pk}&consignor=sato")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_consignor")


def test_a_horse_without_a_consignor_shows_null_to_organizers(cast):
    lot = ScheduledAuctionFactory(horse=HorseFactory(consignor=None))
    body = client_for(cast["admin"]).get(f"/api/auctions/{lot.pk}/").json()
    assert body["horse"]["consignor"] is None
