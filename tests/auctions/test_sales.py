"""Sales own their lots: numbers within a sale, the sale API in lot order, and a session that schedules every lot
to close one after another (issue 16)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import services
from auctions.errors import InvalidTerms, LotNumberTaken, NotEditable
from auctions.models import Auction, AuctionStatus, AuditEntry, SaleSession
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, SaleFactory
from tests.conftest import client_for
from tests.horses.factories import HorseFactory

pytestmark = pytest.mark.django_db


def session_of(sale, *, opens_in=timedelta(minutes=10), closes_after=timedelta(minutes=30), interval=120):
    opens_at = timezone.now() + opens_in
    return SaleSession.objects.create(
        sale=sale, opens_at=opens_at, closes_at=opens_at + closes_after, interval_seconds=interval
    )


# --- the sale API ---------------------------------------------------------------------------------------------


def test_a_sale_lists_its_lots_in_lot_order_and_hides_drafts_from_the_public(api, auctioneer):
    sale = SaleFactory(name_ja="2026 サマーセール 1日目", name_en="2026 Summer Sale, Day 1", venue="静内")
    for number in (3, 1, 2):
        AuctionFactory(sale=sale, lot_number=number, status=AuctionStatus.SCHEDULED, starts_at=timezone.now())
    AuctionFactory(sale=sale, lot_number=4)  # a draft
    AuctionFactory(lot_number=1)  # another sale's lot 1

    public = api.get(f"/api/sales/{sale.pk}/").json()
    organizer = client_for(auctioneer).get(f"/api/sales/{sale.pk}/").json()

    assert (public["name_ja"], public["name_en"], public["venue"]) == (sale.name_ja, sale.name_en, "静内")
    assert [lot["lot_number"] for lot in public["lots"]] == [1, 2, 3]
    assert [lot["lot_number"] for lot in organizer["lots"]] == [1, 2, 3, 4]
    assert {lot["sale"]["id"] for lot in public["lots"]} == {sale.pk}
    assert public["buyer_premium_rate"] == "0.05" and public["consumption_tax_rate"] == "0.1"


def test_the_sale_list_names_every_sale_with_its_sessions(api):
    sale = SaleFactory()
    session = session_of(sale)
    body = api.get("/api/sales/").json()
    listed = {item["id"]: item for item in body["results"]}
    assert listed[sale.pk]["sessions"][0]["id"] == session.pk
    assert listed[sale.pk]["sessions"][0]["interval_seconds"] == 120


def test_an_unknown_sale_is_a_404_with_a_code(api):
    response = api.get("/api/sales/999999/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_lots_carry_their_sale_and_number_and_filter_by_sale(api):
    sale, other = SaleFactory(), SaleFactory()
    lot = ActiveAuctionFactory(sale=sale, lot_number=7)
    ActiveAuctionFactory(sale=other, lot_number=7)  # the same number in another sale is fine

    body = api.get(f"/api/auctions/?sale={sale.pk}").json()

    assert [(item["id"], item["lot_number"], item["sale"]["id"]) for item in body["results"]] == [(lot.pk, 7, sale.pk)]
    assert body["results"][0]["sale_date"] == sale.starts_on.isoformat()


def test_a_malformed_sale_filter_is_a_400(api):
    response = api.get("/api/auctions/?sale=first")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_sale")


def test_a_lot_number_is_unique_within_its_sale_only(auctioneer):
    sale = SaleFactory()
    AuctionFactory(sale=sale, lot_number=5)
    with pytest.raises(LotNumberTaken):
        services.auction_create(actor=auctioneer, horse=HorseFactory(), sale=sale, lot_number=5, start_price=1_000_000)
    assert services.auction_create(
        actor=auctioneer, horse=HorseFactory(), sale=SaleFactory(), lot_number=5, start_price=1_000_000
    )


def test_a_session_of_another_sale_is_refused(auctioneer):
    lot = AuctionFactory()
    with pytest.raises(InvalidTerms) as refused:
        services.auction_update(auction_id=lot.pk, actor=auctioneer, session=session_of(SaleFactory()))
    assert refused.value.code == "session_of_another_sale"


# --- the staggered session ---------------------------------------------------------------------------------------


def lots_in(session, numbers):
    return {
        number: AuctionFactory(sale=session.sale, session=session, lot_number=number, reserve_price=None)
        for number in numbers
    }


def test_a_session_schedules_lot_n_to_end_at_close_plus_n_minus_one_intervals(auctioneer):
    session = session_of(SaleFactory(), interval=120)
    lots = lots_in(session, [3, 1, 2, 5])  # made out of order; lot 5 is the fourth of the session

    services.sale_session_schedule(session_id=session.pk, actor=auctioneer)

    for position, number in enumerate([1, 2, 3, 5]):
        lot = Auction.objects.get(pk=lots[number].pk)
        assert lot.status == AuctionStatus.SCHEDULED
        assert lot.starts_at == session.opens_at
        assert lot.planned_ends_at == session.closes_at + timedelta(seconds=120 * position)
    session.refresh_from_db()
    assert session.scheduled_at is not None
    entry = AuditEntry.objects.filter(auction=lots[2], action="schedule").get()
    assert entry.data["planned_ends_at"] == (session.closes_at + timedelta(seconds=120)).isoformat()


def test_a_lot_started_from_its_session_ends_at_its_planned_end_not_after_its_duration(auctioneer):
    session = session_of(SaleFactory(), opens_in=timedelta(minutes=1), closes_after=timedelta(hours=1))
    lots = lots_in(session, [1, 2])
    services.sale_session_schedule(session_id=session.pk, actor=auctioneer)

    started = services.auction_start(auction_id=lots[2].pk, actor=auctioneer)

    assert started.ends_at == session.closes_at + timedelta(seconds=120)
    assert started.ends_at - started.started_at > timedelta(seconds=started.duration_seconds)


def test_a_planned_end_already_past_falls_back_to_the_duration(auctioneer):
    lot = AuctionFactory(planned_ends_at=timezone.now() - timedelta(seconds=1))

    started = services.auction_start(auction_id=lot.pk, actor=auctioneer)

    assert started.ends_at == started.started_at + timedelta(seconds=lot.duration_seconds)


def test_scheduling_one_lot_on_its_own_drops_the_sessions_plan(auctioneer):
    session = session_of(SaleFactory())
    lot = lots_in(session, [1])[1]
    services.sale_session_schedule(session_id=session.pk, actor=auctioneer)

    services.auction_schedule(auction_id=lot.pk, actor=auctioneer, starts_at=timezone.now() + timedelta(hours=2))

    lot.refresh_from_db()
    assert lot.planned_ends_at is None


def test_a_session_that_has_opened_cannot_be_scheduled(auctioneer):
    session = session_of(SaleFactory(), opens_in=timedelta(seconds=-1))
    lots_in(session, [1])
    with pytest.raises(InvalidTerms) as refused:
        services.sale_session_schedule(session_id=session.pk, actor=auctioneer)
    assert refused.value.code == "starts_at_in_past"
    assert not Auction.objects.filter(status=AuctionStatus.SCHEDULED).exists()


def test_a_session_whose_tail_would_pass_a_hard_stop_schedules_nothing(auctioneer):
    session = session_of(SaleFactory())
    lots = lots_in(session, [1, 2])
    Auction.objects.filter(pk=lots[2].pk).update(max_ends_at=session.closes_at + timedelta(seconds=60))

    with pytest.raises(InvalidTerms) as refused:
        services.sale_session_schedule(session_id=session.pk, actor=auctioneer)

    assert refused.value.code == "planned_end_after_hard_stop"
    assert not Auction.objects.filter(status=AuctionStatus.SCHEDULED).exists()


# --- reordering ----------------------------------------------------------------------------------------------------


def test_two_lots_swap_numbers_in_one_step(auctioneer):
    sale = SaleFactory()
    first, second = AuctionFactory(sale=sale, lot_number=1), AuctionFactory(sale=sale, lot_number=2)

    services.sale_lots_renumber(sale_id=sale.pk, numbers={first.pk: 2, second.pk: 1}, actor=auctioneer)

    first.refresh_from_db(), second.refresh_from_db()
    assert (first.lot_number, second.lot_number) == (2, 1)


def test_a_renumbering_onto_a_lot_that_stays_is_refused_and_changes_nothing(auctioneer):
    sale = SaleFactory()
    first, _second = AuctionFactory(sale=sale, lot_number=1), AuctionFactory(sale=sale, lot_number=2)

    with pytest.raises(LotNumberTaken):
        services.sale_lots_renumber(sale_id=sale.pk, numbers={first.pk: 2}, actor=auctioneer)

    first.refresh_from_db()
    assert first.lot_number == 1


def test_a_lot_that_has_started_keeps_its_number(auctioneer):
    sale = SaleFactory()
    running = ActiveAuctionFactory(sale=sale, lot_number=1)
    with pytest.raises(NotEditable):
        services.sale_lots_renumber(sale_id=sale.pk, numbers={running.pk: 9}, actor=auctioneer)


# --- the admin -------------------------------------------------------------------------------------------------------


def test_the_admin_sale_page_reorders_lots_through_its_inline(admin_user):
    from django.test import Client

    sale = SaleFactory()
    first, second = AuctionFactory(sale=sale, lot_number=1), AuctionFactory(sale=sale, lot_number=2)
    desk = Client()
    desk.force_login(admin_user)
    page = desk.get(f"/admin/auctions/sale/{sale.pk}/change/")
    assert page.status_code == 200
    form = {
        "name_ja": sale.name_ja,
        "name_en": sale.name_en,
        "venue": "",
        "starts_on": str(sale.starts_on),
        "ends_on": str(sale.ends_on),
        "buyer_premium_rate": "0.05",
        "invoice_registration_number": sale.invoice_registration_number,
        "conditions_of_sale": "",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "lots-TOTAL_FORMS": "2",
        "lots-INITIAL_FORMS": "2",
        "lots-0-id": str(first.pk),
        "lots-0-sale": str(sale.pk),
        "lots-0-lot_number": "2",
        "lots-0-session": "",
        "lots-1-id": str(second.pk),
        "lots-1-sale": str(sale.pk),
        "lots-1-lot_number": "1",
        "lots-1-session": "",
    }

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.lot_number, second.lot_number) == (2, 1)
