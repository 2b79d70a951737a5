"""Auctions over REST: reading for everyone, the lifecycle for organizers, and the reserve kept from bidders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.models import Auction, AuctionStatus
from auctions.serializers import AuctionSnapshotSerializer
from tests.auctions.factories import (
    ActiveAuctionFactory,
    AuctionFactory,
    ScheduledAuctionFactory,
    finished,
    sale_of_day,
)
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

pytestmark = pytest.mark.django_db


def clients(cast, api):
    return {"anonymous": api, **{role: client_for(user) for role, user in cast.items()}}


# --- reading ----------------------------------------------------------------------------------------------------


def test_detail_carries_the_wire_contract_fields(api):
    auction = ActiveAuctionFactory(start_price=1_000_000)
    body = api.get(f"/api/auctions/{auction.pk}/").json()
    for field in (
        "status",
        "current_price",
        "min_next_bid",
        "bid_count",
        "reserve_met",
        "starts_at",
        "ends_at",
        "ends_at_ms",
        "server_time",
        "extension_window_seconds",
        "duration_seconds",
        "max_ends_at",
        "high_bidder_paddle",
        "horse",
    ):
        assert field in body, field
    assert body["min_next_bid"] == 1_000_000
    assert body["ends_at_ms"] == int(auction.ends_at.timestamp() * 1000)
    assert abs(body["server_time"] - timezone.now().timestamp() * 1000) < 5_000
    assert body["horse"]["name"] == auction.horse.name


def test_snapshot_keys_match_the_documented_schema(api, auctioneer):
    documented = set(AuctionSnapshotSerializer().fields)
    auction = ScheduledAuctionFactory()
    public = set(api.get(f"/api/auctions/{auction.pk}/").json())
    organizer = set(client_for(auctioneer).get(f"/api/auctions/{auction.pk}/").json())
    with_total = set(api.get(f"/api/auctions/{auction.pk}/?for_amount=1000000").json())
    assert public == documented - {"reserve_price", "buyer_total"}
    assert organizer == documented - {"buyer_total"}
    assert with_total == documented - {"reserve_price"}


@pytest.mark.parametrize("role", ["anonymous", "bidder", "viewer"])
def test_reserve_price_never_reaches_bidders_or_viewers(cast, api, role):
    auction = ActiveAuctionFactory(reserve_price=7_654_000)
    client = clients(cast, api)[role]
    for url in (f"/api/auctions/{auction.pk}/", "/api/auctions/", "/api/auctions/?status=active"):
        response = client.get(url)
        assert response.status_code == 200
        assert "reserve_price" not in response.content.decode()
        assert "7654000" not in response.content.decode()
    assert client.get(f"/api/auctions/{auction.pk}/").json()["has_reserve"] is True


@pytest.mark.parametrize("role", ["admin", "auctioneer"])
def test_organizers_see_the_reserve_price(cast, api, role):
    auction = ActiveAuctionFactory(reserve_price=7_654_000)
    client = clients(cast, api)[role]
    assert client.get(f"/api/auctions/{auction.pk}/").json()["reserve_price"] == 7_654_000
    assert client.get("/api/auctions/").json()["results"][0]["reserve_price"] == 7_654_000


def test_list_filters_by_status(api):
    active = ActiveAuctionFactory()
    scheduled = ScheduledAuctionFactory()
    AuctionFactory()
    sold = finished(AuctionStatus.SOLD)

    def ids(query):
        return [row["id"] for row in api.get(f"/api/auctions/{query}").json()["results"]]

    assert ids("?status=active") == [active.pk]
    assert sorted(ids("?status=active,scheduled")) == sorted([active.pk, scheduled.pk])
    assert ids("?status=sold") == [sold.pk]
    assert len(ids("")) == 3  # the draft is the organizers' alone


def test_drafts_are_seen_by_organizers_only(cast, api):
    draft = AuctionFactory()
    for role, client in clients(cast, api).items():
        listed = [row["id"] for row in client.get("/api/auctions/").json()["results"]]
        detail = client.get(f"/api/auctions/{draft.pk}/")
        organizer = role in ("admin", "auctioneer")
        assert (draft.pk in listed, detail.status_code) == ((True, 200) if organizer else (False, 404)), role


@pytest.mark.parametrize("query", ["?status=open", "?status=ACTIVE", "?status=active,bogus", "?status=,"])
def test_unknown_status_filter_is_a_400_with_a_code(api, query):
    response = api.get(f"/api/auctions/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_status"


def test_malformed_sale_date_filter_is_a_400(api):
    response = api.get("/api/auctions/?sale_date=tomorrow")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_sale_date")


def test_missing_auction_is_a_json_404(api):
    response = api.get("/api/auctions/999999/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_sold_lot_shows_the_winner_by_paddle_only(api):
    auction = finished(AuctionStatus.SOLD)
    body = api.get(f"/api/auctions/{auction.pk}/").json()
    assert body["winner_paddle"] == auction.winner.paddle_number
    assert body["hammer_price"] == 2_500_000
    assert auction.winner.username not in str(body)
    assert body["min_next_bid"] is None


# --- the lifecycle over REST --------------------------------------------------------------------------------------


def test_auctioneer_starts_an_auction(auctioneer):
    auction = ScheduledAuctionFactory()
    response = client_for(auctioneer).post(f"/api/auctions/{auction.pk}/start/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["ends_at_ms"] - body["started_at_ms"] == 300_000
    assert Auction.objects.get(pk=auction.pk).status == AuctionStatus.ACTIVE


@pytest.mark.parametrize("role", ["bidder", "viewer"])
def test_bidders_and_viewers_cannot_start_or_cancel(cast, api, role):
    auction = ScheduledAuctionFactory()
    client = clients(cast, api)[role]
    for verb in ("start", "cancel", "schedule"):
        response = client.post(f"/api/auctions/{auction.pk}/{verb}/")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert Auction.objects.get(pk=auction.pk).status == AuctionStatus.SCHEDULED


def test_anonymous_cannot_start(api):
    auction = AuctionFactory()
    response = api.post(f"/api/auctions/{auction.pk}/start/")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_starting_twice_is_a_409_invalid_transition(auctioneer):
    auction = ActiveAuctionFactory()
    response = client_for(auctioneer).post(f"/api/auctions/{auction.pk}/start/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["status"] == "active"


def test_organizer_cancels_with_a_reason(admin_user):
    auction = ActiveAuctionFactory()
    response = client_for(admin_user).post(
        f"/api/auctions/{auction.pk}/cancel/", {"reason": "馬体検査により取消"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "馬体検査により取消")


def test_cancelling_a_sold_lot_is_a_409(auctioneer):
    auction = finished(AuctionStatus.SOLD)
    response = client_for(auctioneer).post(f"/api/auctions/{auction.pk}/cancel/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_organizer_schedules_a_draft(auctioneer):
    auction = AuctionFactory()
    starts_at = (timezone.now() + timedelta(minutes=15)).isoformat()
    response = client_for(auctioneer).post(
        f"/api/auctions/{auction.pk}/schedule/", {"starts_at": starts_at}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "scheduled"


# --- creating and editing -----------------------------------------------------------------------------------------


def new_lot(*, horse=None, **overrides):
    return {
        "horse": (horse or HorseFactory()).pk,
        "sale": sale_of_day(timezone.localdate()).pk,
        "lot_number": 42,
        "start_price": 3_000_000,
        "reserve_price": 4_000_000,
        "starts_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        **overrides,
    }


def test_organizer_creates_a_draft_lot(auctioneer):
    response = client_for(auctioneer).post("/api/auctions/", new_lot(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["lot_number"], body["reserve_price"]) == ("draft", 42, 4_000_000)
    assert body["increment_table"][0] == [1_000_000, 10_000]  # the default grid


def test_organizer_creates_a_lot_with_its_own_increment_table(auctioneer):
    table = [[5_000_000, 50_000], [None, 250_000]]
    response = client_for(auctioneer).post("/api/auctions/", new_lot(increment_table=table), format="json")
    assert response.status_code == 201, response.json()
    assert Auction.objects.get().increment_table == table


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"start_price": -1}, "invalid_price", "start_price"),
        ({"start_price": 0}, "invalid_price", "start_price"),
        ({"reserve_price": -5}, "invalid_price", "reserve_price"),
        ({"max_jump": -1}, "invalid_price", "max_jump"),
        ({"start_price": 10**19}, "invalid_price", "start_price"),
        ({"reserve_price": 2_000_000}, "reserve_below_start", "reserve_price"),
        ({"starts_at": "2020-01-01T10:00:00+09:00"}, "starts_at_in_past", "starts_at"),
        ({"max_ends_at": "2020-01-01T10:00:00+09:00"}, "max_ends_at_in_past", "max_ends_at"),
        ({"increment_table": [[1_000_000, 10_000]]}, "invalid_increment_table", "increment_table"),
        ({"increment_table": [[None, 0]]}, "invalid_increment_table", "increment_table"),
        ({"increment_table": "steps of ten"}, "invalid_increment_table", "increment_table"),
        ({"lot_number": 0}, "invalid_lot_number", "lot_number"),
        ({"duration_seconds": 0}, "invalid_duration", "duration_seconds"),
        ({"extension_window_seconds": -1}, "invalid_extension_window", "extension_window_seconds"),
    ],
)
def test_bad_terms_are_a_400_with_a_code_and_nothing_is_saved(auctioneer, overrides, code, field):
    response = client_for(auctioneer).post("/api/auctions/", new_lot(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not Auction.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"start_price": "lots"}, "invalid"),
        ({"sale": "someday"}, "incorrect_type"),
        ({"sale": 999_999}, "does_not_exist"),
        ({"starts_at": "soon"}, "invalid"),
        ({"horse": 999_999}, "does_not_exist"),
        ({"horse": None}, "null"),
    ],
)
def test_malformed_input_is_a_400_with_the_field_named(auctioneer, overrides, code):
    response = client_for(auctioneer).post("/api/auctions/", {**new_lot(), **overrides}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()["errors"]) == set(overrides)
    assert not Auction.objects.exists()


def test_lot_number_taken_in_the_same_sale_is_a_409(auctioneer):
    AuctionFactory(lot_number=42, sale_date=timezone.localdate())
    response = client_for(auctioneer).post("/api/auctions/", new_lot(), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "lot_number_taken")
    assert Auction.objects.count() == 1


def test_a_horse_cannot_be_in_two_open_auctions(auctioneer):
    horse = HorseFactory()
    AuctionFactory(horse=horse, lot_number=1)
    response = client_for(auctioneer).post("/api/auctions/", new_lot(horse=horse), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "horse_has_open_auction")


def test_bidder_cannot_create_a_lot(bidder):
    response = client_for(bidder).post("/api/auctions/", new_lot(), format="json")
    assert response.status_code == 403
    assert not Auction.objects.exists()


def test_organizer_edits_a_draft(auctioneer):
    auction = AuctionFactory()
    response = client_for(auctioneer).patch(
        f"/api/auctions/{auction.pk}/", {"start_price": 1_200_000, "reserve_price": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    auction.refresh_from_db()
    assert (auction.start_price, auction.reserve_price) == (1_200_000, None)


def test_edit_that_breaks_a_rule_changes_nothing(auctioneer):
    auction = AuctionFactory(start_price=1_000_000, reserve_price=2_000_000)
    response = client_for(auctioneer).patch(
        f"/api/auctions/{auction.pk}/", {"start_price": 1_500_000, "reserve_price": 1_000_000}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "reserve_below_start")
    auction.refresh_from_db()
    assert (auction.start_price, auction.reserve_price) == (1_000_000, 2_000_000)


def test_editing_a_running_auction_is_a_409(auctioneer):
    auction = ActiveAuctionFactory()
    response = client_for(auctioneer).patch(f"/api/auctions/{auction.pk}/", {"reserve_price": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


def test_a_lot_card_names_sire_dam_and_dams_sire_in_english_where_the_pedigree_gives_them(api):
    horse = HorseFactory(
        name="サクラノウタ",
        name_en="Sakura no Uta",
        sire="キタサンブラック",
        dam="ハルカゼ",
        dams_sire="ディープインパクト",
        pedigree={"s": {"ja": "キタサンブラック", "en": "Kitasan Black"}, "ds": {"en": "Deep Impact"}},
    )
    ActiveAuctionFactory(horse=horse)

    (card,) = api.get("/api/auctions/").json()["results"]

    assert (card["horse"]["name"], card["horse"]["name_en"]) == ("サクラノウタ", "Sakura no Uta")
    assert (card["horse"]["sire_en"], card["horse"]["dam_en"], card["horse"]["dams_sire_en"]) == (
        "Kitasan Black",
        "",
        "Deep Impact",
    )
