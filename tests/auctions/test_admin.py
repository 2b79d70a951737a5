"""The organizers' desk in the Django admin, driven page by page as an auctioneer: a staff account with only the
Auctioneers group's model permissions, not a superuser."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auctions.models import Auction, AuctionStatus
from horses.models import Horse, HorseDocument, HorsePhoto
from tests.accounts.factories import UserFactory
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, auctioneers_group, sale_of_day
from tests.horses.factories import HorseFactory, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auctions/auction/"
EMPTY_INLINE = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def management(prefix: str, **values) -> dict:
    return {f"{prefix}-{key}": value for key, value in {**EMPTY_INLINE, **values}.items()}


@pytest.fixture
def desk(db) -> Client:
    """A browser signed in as an auctioneer: staff, in the Auctioneers group, no superuser powers."""
    person = UserFactory(role="auctioneer", username="kenji_auctioneer", is_staff=True, is_superuser=False)
    person.groups.add(auctioneers_group())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the messages checked below are the English ones
    client.force_login(person)
    return client


def messages_in(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_auctioneer_reaches_the_desk_but_not_the_rest(desk):
    index = desk.get("/admin/")
    assert index.status_code == 200
    assert "/admin/horses/horse/" in index.content.decode()
    assert "/admin/auctions/auction/" in index.content.decode()
    assert desk.get("/admin/auth/group/").status_code == 403  # not theirs
    assert desk.get("/admin/accounts/user/add/").status_code == 403


def test_auctioneer_adds_a_horse_with_a_photo_and_a_vet_report(desk):
    # Given the add page, as a browser would load it
    assert desk.get("/admin/horses/horse/add/").status_code == 200

    # When the auctioneer fills in the pedigree and attaches a photo and a PDF
    response = desk.post(
        "/admin/horses/horse/add/",
        {
            "name": "ユキノシラベ",
            "sex": "filly",
            "colour": "white",
            "foaling_year": "2025",
            "sire": "シルバーノクターン",
            "dam": "シラユキ",
            "dams_sire": "トウカイグローリー",
            "breeder": "日高みどり野ファーム",
            "location": "北海道沙流郡日高町",
            "description": "珍しい白毛の牝馬。",
            **management("photos", TOTAL_FORMS="1"),
            "photos-0-image": png_upload(),
            "photos-0-caption": "立ち写真",
            "photos-0-position": "0",
            **management("documents", TOTAL_FORMS="1"),
            "documents-0-kind": "vet",
            "documents-0-title": "獣医所見",
            "documents-0-file": pdf_upload(),
        },
    )

    # Then the horse is in the catalogue with both files
    assert response.status_code == 302, response.context["errors"] if response.context else response
    horse = Horse.objects.get(name="ユキノシラベ")
    assert HorsePhoto.objects.get(horse=horse).caption == "立ち写真"
    assert HorseDocument.objects.get(horse=horse).file.read(5) == b"%PDF-"
    # and its change page shows the photo
    page = desk.get(f"/admin/horses/horse/{horse.pk}/change/").content.decode()
    assert re.search(r'<img src="[^"]+\.png"', page)


def test_admin_refuses_a_photo_that_is_not_an_image_and_saves_nothing(desk):
    response = desk.post(
        "/admin/horses/horse/add/",
        {
            "name": "ミチノクハヤテ",
            "sex": "colt",
            "colour": "chestnut",
            "foaling_year": "2025",
            "sire": "ゴールドアストラル",
            "dam": "ハヤテヒメ",
            **management("photos", TOTAL_FORMS="1"),
            "photos-0-image": pdf_upload("photo.png"),
            "photos-0-position": "0",
            **management("documents", TOTAL_FORMS="1"),
            "documents-0-kind": "vet",
            "documents-0-title": "偽物",
            "documents-0-file": pdf_upload("report.pdf", b"GIF89a not a pdf"),
        },
    )
    assert response.status_code == 200  # the form again, with the errors
    body = response.content.decode()
    assert "errorlist" in body
    assert not Horse.objects.exists() and not HorsePhoto.objects.exists() and not HorseDocument.objects.exists()


def auction_form(horse, **overrides) -> dict:
    starts_at = timezone.localtime(timezone.now() + timedelta(hours=1))
    return {
        "sale": str(sale_of_day(timezone.localdate()).pk),
        "lot_number": "12",
        "session": "",
        "horse": str(horse.pk),
        "start_price": "3000000",
        "reserve_price": "4500000",
        "increment_table": "",
        "max_jump": "",
        "starts_at_0": starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": starts_at.strftime("%H:%M:%S"),
        "duration_seconds": "300",
        "extension_window_seconds": "300",
        "max_ends_at_0": "",
        "max_ends_at_1": "",
        **management("bids"),
        **overrides,
    }


def test_auctioneer_creates_an_auction_and_starts_it(desk):
    horse = HorseFactory(name="ウラカワスピリット")

    # Create: a draft lot
    created = desk.post("/admin/auctions/auction/add/", auction_form(horse))
    assert created.status_code == 302, created.context["adminform"].form.errors if created.context else created
    auction = Auction.objects.get(horse=horse)
    assert (auction.status, auction.lot_number, auction.reserve_price) == (AuctionStatus.DRAFT, 12, 4_500_000)

    # Start it with the list's action
    started = desk.post(CHANGELIST, {"action": "start_selected", "_selected_action": [auction.pk]}, follow=True)
    assert started.status_code == 200
    assert any("Started 1 auction" in message for message in messages_in(started))
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.ends_at == auction.started_at + timedelta(seconds=300)

    # The list shows it running, with its price and clock
    listing = desk.get(CHANGELIST).content.decode()
    assert "ウラカワスピリット" in listing
    assert "Active" in listing
    assert "¥3,000,000" in listing


def test_start_action_reports_lots_it_could_not_start(desk):
    running = ActiveAuctionFactory()
    response = desk.post(CHANGELIST, {"action": "start_selected", "_selected_action": [running.pk]}, follow=True)
    errors = messages_in(response)
    assert len(errors) == 1 and f"Lot {running.lot_number}" in errors[0]
    running.refresh_from_db()
    assert running.status == AuctionStatus.ACTIVE


def test_schedule_action_uses_the_start_time_of_each_lot(desk):
    auction = AuctionFactory(starts_at=timezone.now() + timedelta(minutes=20))
    desk.post(CHANGELIST, {"action": "schedule_selected", "_selected_action": [auction.pk]})
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SCHEDULED


def test_cancel_action_asks_first_then_cancels_with_the_reason(desk):
    auction = ActiveAuctionFactory()
    asked = desk.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [auction.pk]})
    assert asked.status_code == 200
    assert "Yes, cancel them" in asked.content.decode()
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE  # nothing yet

    desk.post(
        CHANGELIST,
        {"action": "cancel_selected", "_selected_action": [auction.pk], "confirm": "yes", "reason": "跛行のため"},
    )
    auction.refresh_from_db()
    assert (auction.status, auction.cancel_reason) == (AuctionStatus.CANCELLED, "跛行のため")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reserve_price": "1000000"}, "reserve price cannot be below the start price"),
        ({"starts_at_0": "2020-01-01", "starts_at_1": "10:00:00"}, "start time is in the past"),
        ({"increment_table": "[[1000000, 10000]]"}, "the last tier must have no upper bound"),
    ],
)
def test_admin_form_shows_a_broken_rule_beside_the_field_and_saves_nothing(desk, overrides, message):
    response = desk.post("/admin/auctions/auction/add/", auction_form(HorseFactory(), **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Auction.objects.exists()


def test_terms_of_a_running_auction_are_read_only(desk):
    auction = ActiveAuctionFactory()
    page = desk.get(f"/admin/auctions/auction/{auction.pk}/change/").content.decode()
    assert 'name="start_price"' not in page
    assert 'name="reserve_price"' not in page


def test_auctions_are_never_deleted_only_cancelled(desk):
    auction = AuctionFactory()
    assert desk.get(f"/admin/auctions/auction/{auction.pk}/delete/").status_code == 403


def test_change_list_filters_and_searches(desk):
    AuctionFactory(horse=HorseFactory(name="サクラノユウヒ"))
    ActiveAuctionFactory(horse=HorseFactory(name="ヒダカノアサヒ"))
    assert "ヒダカノアサヒ" not in desk.get(CHANGELIST + "?status__exact=draft").content.decode()
    found = desk.get(CHANGELIST + "?q=ユウヒ").content.decode()
    assert "サクラノユウヒ" in found and "ヒダカノアサヒ" not in found
    assert desk.get(CHANGELIST + "?q=abc").status_code == 200  # a word where a lot number could be
    assert desk.get("/admin/horses/horse/?q=ヒダカ&sex__exact=filly").status_code == 200


def test_running_auction_page_is_a_record_without_a_save_button(desk):
    auction = ActiveAuctionFactory()
    page = desk.get(f"/admin/auctions/auction/{auction.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert desk.post(f"/admin/auctions/auction/{auction.pk}/change/", {}).status_code == 403


def test_saving_a_draft_unchanged_changes_nothing(desk):
    auction = AuctionFactory(horse=HorseFactory(), starts_at=None)
    form = auction_form(auction.horse, lot_number=str(auction.lot_number), sale=str(auction.sale_id))
    form.update(start_price="1000000", reserve_price="2000000", starts_at_0="", starts_at_1="")
    response = desk.post(f"/admin/auctions/auction/{auction.pk}/change/", form)
    assert response.status_code == 302
    before = auction.updated_at
    auction.refresh_from_db()
    assert auction.updated_at == before


def test_change_page_lists_the_accepted_bids_read_only(desk):
    from bidding.models import Bid
    from tests.accounts.factories import BidderFactory

    auction = ActiveAuctionFactory(current_price=1_100_000, bid_count=2)
    first, second = BidderFactory(), BidderFactory()
    for bidder, amount in ((first, 1_000_000), (second, 1_100_000)):
        Bid.objects.create(
            auction=auction, bidder=bidder, amount=amount, idempotency_key=uuid.uuid4(), placed_at=timezone.now()
        )
    page = desk.get(f"/admin/auctions/auction/{auction.pk}/change/").content.decode()
    assert 'id="bids-group"' in page
    assert page.index("¥1,100,000") < page.index("¥1,000,000")  # highest first
    assert str(second.paddle_number) in page and 'name="bids-0-amount"' not in page


def test_the_console_carries_the_sales_name_not_djangos(desk):
    page = desk.get("/admin/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "競走馬セリ 管理" in page
    assert "Django" not in page.split("<body")[1].split("</header>")[0]


def test_the_audit_close_is_a_closing_not_a_window_closing():
    from django.utils import translation

    from auctions.models import AuditAction

    with translation.override("ja"):
        assert str(AuditAction.CLOSE.label) == "締切"
        assert translation.gettext("Close") == "閉じる"  # Django admin's own button keeps its word
