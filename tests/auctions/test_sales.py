"""Sales own their lots: numbers within a sale, the sale API in lot order, and a session that schedules every lot
to close one after another (issue 16)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import services
from auctions.errors import InvalidTerms, LotNumberTaken, NotEditable
from auctions.models import Auction, AuctionStatus, AuditEntry, SaleSession
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, SaleFactory, auctioneers_group
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


@pytest.fixture
def desk(auctioneer):
    """The admin, as an auctioneer: staff with the Auctioneers group's permissions, not a superuser."""
    from django.test import Client

    auctioneer.groups.add(auctioneers_group())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(auctioneer)
    return client


def sale_page_form(sale, *, lots=(), new_lots=()) -> dict:
    """The sale's change form as the browser posts it: the sale's own fields, no session rows, `lots` as the
    existing lots' rows ({"id": …, "lot_number": …}) and `new_lots` as filled-in rows of the "add lots" inline."""
    form = {
        "name_ja": sale.name_ja,
        "name_en": sale.name_en,
        "venue": sale.venue,
        "starts_on": str(sale.starts_on),
        "ends_on": str(sale.ends_on),
        "buyer_premium_rate": str(sale.buyer_premium_rate),
        "invoice_registration_number": sale.invoice_registration_number,
        "conditions_of_sale": sale.conditions_of_sale,
    }
    for prefix, rows in (("sessions", ()), ("lots", lots), ("new_lots", new_lots)):
        initial = len(rows) if prefix == "lots" else 0
        form |= {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
        form |= {f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
        for index, row in enumerate(rows):
            form |= {f"{prefix}-{index}-sale": str(sale.pk), f"{prefix}-{index}-session": ""}
            form |= {f"{prefix}-{index}-{field}": str(value) for field, value in row.items()}
    return form


def test_the_admin_sale_page_reorders_lots_through_its_inline(admin_user):
    from django.test import Client

    sale = SaleFactory()
    first, second = AuctionFactory(sale=sale, lot_number=1), AuctionFactory(sale=sale, lot_number=2)
    desk = Client()
    desk.force_login(admin_user)
    page = desk.get(f"/admin/auctions/sale/{sale.pk}/change/")
    assert page.status_code == 200
    form = sale_page_form(sale, lots=[{"id": first.pk, "lot_number": 2}, {"id": second.pk, "lot_number": 1}])

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.lot_number, second.lot_number) == (2, 1)


def test_an_organizer_adds_a_lot_on_the_sale_page_in_draft_with_the_default_terms(desk):
    # Given a sale with one lot, and a session the new lot is to join
    sale = SaleFactory()
    existing = AuctionFactory(sale=sale, lot_number=1)
    session = session_of(sale)
    horse = HorseFactory(name="ホッカイドウノカゼ")
    page = desk.get(f"/admin/auctions/sale/{sale.pk}/change/").content.decode()
    assert 'name="new_lots-TOTAL_FORMS"' in page and 'name="new_lots-0-horse"' in page

    # When the organizer fills in the "add lots" row: the horse, its number, its start price and session
    form = sale_page_form(
        sale,
        lots=[{"id": existing.pk, "lot_number": 1}],
        new_lots=[{"lot_number": 2, "horse": horse.pk, "start_price": 2_000_000}],
    )
    form["new_lots-0-session"] = str(session.pk)
    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form, follow=True)

    # Then the sale has the new lot, a draft on the lot's default terms, written by the service (and audited as
    # a change of the sale)
    assert response.status_code == 200
    assert not [m for m in response.context["messages"] if m.level_tag == "error"]
    lot = Auction.objects.get(sale=sale, lot_number=2)
    defaults = Auction()
    assert (lot.horse, lot.session, lot.status, lot.start_price) == (horse, session, AuctionStatus.DRAFT, 2_000_000)
    assert (lot.reserve_price, lot.increment_table, lot.starts_at, lot.video_url) == (None, None, None, "")
    assert (lot.duration_seconds, lot.extension_window_seconds) == (
        defaults.duration_seconds,
        defaults.extension_window_seconds,
    )
    assert "ホッカイドウノカゼ" in desk.get(f"/admin/auctions/sale/{sale.pk}/change/").content.decode()


def test_a_lot_added_on_the_sale_page_with_a_taken_number_is_refused_beside_the_field(desk):
    sale = SaleFactory()
    existing = AuctionFactory(sale=sale, lot_number=1)
    form = sale_page_form(
        sale,
        lots=[{"id": existing.pk, "lot_number": 1}],
        new_lots=[{"lot_number": 1, "horse": HorseFactory().pk, "start_price": 2_000_000}],
    )

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 200  # the page again, with the error
    assert "This lot number is already used in this sale." in response.content.decode()
    assert list(Auction.objects.filter(sale=sale)) == [existing]


def test_a_lot_added_on_the_sale_page_for_a_horse_already_on_sale_is_refused_beside_the_field(desk):
    sale = SaleFactory()
    on_sale = ActiveAuctionFactory()
    form = sale_page_form(sale, new_lots=[{"lot_number": 1, "horse": on_sale.horse_id, "start_price": 2_000_000}])

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 200
    assert "This horse already has an auction that is not finished." in response.content.decode()
    assert not Auction.objects.filter(sale=sale).exists()


def test_a_lot_added_on_the_sale_page_breaking_a_rule_of_the_terms_is_refused_beside_the_field(desk):
    sale = SaleFactory()
    form = sale_page_form(sale, new_lots=[{"lot_number": 1, "horse": HorseFactory().pk, "start_price": 0}])

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 200
    assert "Prices are whole numbers of yen" in response.content.decode()
    assert not Auction.objects.filter(sale=sale).exists()


def test_a_blank_row_of_the_add_lots_inline_adds_nothing(desk):
    sale = SaleFactory()
    form = sale_page_form(sale) | {"new_lots-TOTAL_FORMS": "1", "new_lots-0-sale": str(sale.pk)}

    response = desk.post(f"/admin/auctions/sale/{sale.pk}/change/", form)

    assert response.status_code == 302
    assert not Auction.objects.filter(sale=sale).exists()


def test_the_schedule_sessions_action_staggers_the_closes_by_lot_number(admin_user):
    from django.test import Client

    # Given a sale whose session holds lots created out of number order (pk order 4, 2, 7, 1), with one more
    # lot of the sale in no session
    sale = SaleFactory()
    session = session_of(sale, interval=90)
    lots = lots_in(session, [4, 2, 7, 1])
    outside = AuctionFactory(sale=sale, lot_number=3)
    desk = Client(HTTP_ACCEPT_LANGUAGE="en")
    desk.force_login(admin_user)

    # When the organizer runs the action on the sale from the sale list
    response = desk.post(
        "/admin/auctions/sale/", {"action": "schedule_sessions", "_selected_action": [sale.pk]}, follow=True
    )

    # Then lot N (N-th in lot-number order) is due to end at close + (N − 1) × interval, all opening together
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == ["Scheduled 4 lot(s)."]
    for position, number in enumerate([1, 2, 4, 7]):
        lot = Auction.objects.get(pk=lots[number].pk)
        assert (lot.status, lot.starts_at) == (AuctionStatus.SCHEDULED, session.opens_at)
        assert lot.planned_ends_at == session.closes_at + timedelta(seconds=90 * position), number
    outside.refresh_from_db()
    assert (outside.status, outside.planned_ends_at) == (AuctionStatus.DRAFT, None)
