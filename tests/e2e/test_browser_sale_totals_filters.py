"""Issue 16, acceptance 3, in a real headless Chromium on the running stack at 375 px and 1280 px: the total before
confirming a bid of an amount the bidder typed (not the suggested next bid) and before confirming a maximum, checked
against rule 11 at a rounding edge; and the sale page's filters by sire, dam's sire, foaling year and status (and by
consignor for organizers), each narrowing the list to the right lots. Screenshots go to docs/screenshots/."""

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction, AuctionStatus
from auctions.services import auction_close
from bidding.models import Bid, MaxBid
from bidding.services import bid_place
from tests.accounts.factories import BidderFactory, UserFactory
from tests.auctions.factories import SaleFactory
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory
from tests.e2e.test_browser import browser, sign_in, stack  # noqa: F401 (the same stack and browser fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())


def rule_11(hammer: int, premium_per_10000: int) -> dict[str, int]:
    """DESIGN.md rule 11 written out again, on integers: premium floor(hammer × rate), tax floor((hammer + premium)
    × 10 %)."""
    premium = hammer * premium_per_10000 // 10_000
    tax = (hammer + premium) // 10
    return {"premium": premium, "tax": tax, "total": hammer + premium + tax}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def settled(page) -> None:
    """Wait until the dialog's opening transition has run (a screenshot mid-fade shows it half transparent)."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def expect_figures(box, figures: dict[str, int]) -> None:
    expect(box.get_by_test_id("buyer-total-premium")).to_have_text(f"¥{figures['premium']:,}")
    expect(box.get_by_test_id("buyer-total-tax")).to_have_text(f"¥{figures['tax']:,}")
    expect(box.get_by_test_id("buyer-total-amount")).to_have_text(f"¥{figures['total']:,}")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_confirmations_show_the_total_for_the_typed_amount_and_for_the_maximum(stack, browser, width):  # noqa: F811
    # Given a sale at a 3.33 % premium and a lot stepping by ¥1,000, so that both roundings of rule 11 bite, on
    # which a rival bid ¥1,100,000 (the suggested next bid is then ¥1,101,000)
    me = BidderFactory(username=f"mina_total_{width}")
    rival = BidderFactory(username=f"rin_total_{width}")
    sale = SaleFactory(buyer_premium_rate=Decimal("0.0333"))
    lot = ActiveAuctionFactory(sale=sale, increment_table=[[None, 1_000]], reserve_price=None, remaining=1800)
    bid(lot, rival, 1_100_000)
    page = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900}).new_page()
    sign_in(page, stack, me, f"/auctions/{lot.pk}")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open", timeout=20_000)
    expect(page.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1101000", timeout=20_000)

    # When I type ¥1,234,000 (not the suggested amount) and ask to bid it
    page.get_by_test_id("amount-input").fill("1,234,000")
    page.get_by_test_id("bid-amount-button").click()

    # Then the confirmation shows what I would pay at THAT amount: premium floor(41,092.2), tax floor(127,509.2)
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_have_attribute("data-amount", "1234000")
    figures = rule_11(1_234_000, 333)
    assert figures == {"premium": 41_092, "tax": 127_509, "total": 1_402_601}
    expect_figures(dialog, figures)
    expect(dialog).to_contain_text("購買者手数料（3.33%）")
    expect(dialog).to_contain_text("消費税（10%）")
    assert no_horizontal_scroll(page)
    settled(page)
    page.screenshot(path=SHOTS / f"bid-confirm-total-{width}.png")
    page.get_by_test_id("confirm-bid").click()
    expect(page.get_by_test_id("bid-state")).to_have_attribute("data-status", "accepted", timeout=10_000)
    assert Bid.objects.filter(auction=lot, bidder=me).values_list("amount", flat=True).get() == 1_234_000

    # When I set a maximum of ¥2,345,000, the confirmation shows the total at the whole maximum first
    page.get_by_test_id("max-field").locator("input").fill("2,345,000")
    page.get_by_test_id("max-submit").click()
    dialog = page.get_by_test_id("max-confirm-dialog")
    expect(dialog).to_have_attribute("data-amount", "2345000")
    figures = rule_11(2_345_000, 333)
    assert figures == {"premium": 78_088, "tax": 242_308, "total": 2_665_396}  # floor(78,088.5), floor(242,308.8)
    expect_figures(dialog, figures)
    assert no_horizontal_scroll(page)
    settled(page)
    page.screenshot(path=SHOTS / f"max-bid-confirm-total-{width}.png")
    page.get_by_test_id("max-confirm").click()
    expect(page.get_by_test_id("max-state")).to_have_attribute("data-status", "saved", timeout=10_000)
    assert MaxBid.objects.get(auction=lot, bidder=me).max_amount == 2_345_000


def build_catalogue(consignors):
    """Five lots of one sale, two consignors; by lot number:
    1 キタサンブラック × ディープインパクト, 2024, running, consignor A
    2 エピファネイア × ディープインパクト, 2025, running, consignor B
    3 キタサンブラック × キングカメハメハ, 2025, sold, consignor B
    4 ロードカナロア × キングカメハメハ, 2024, scheduled, consignor A
    5 エピファネイア × ハーツクライ, 2024, passed in (unsold), consignor B"""
    first, second = consignors
    sale = SaleFactory(name_ja="2026 サマーセール 2日目", name_en="2026 Summer Sale, Day 2")
    rows = {
        1: ("キタサンブラック", "ディープインパクト", 2024, first),
        2: ("エピファネイア", "ディープインパクト", 2025, second),
        3: ("キタサンブラック", "キングカメハメハ", 2025, second),
        4: ("ロードカナロア", "キングカメハメハ", 2024, first),
        5: ("エピファネイア", "ハーツクライ", 2024, second),
    }
    lots = {}
    for number, (sire, dams_sire, year, consignor) in rows.items():
        horse = HorseFactory(sire=sire, dams_sire=dams_sire, foaling_year=year, consignor=consignor)
        lots[number] = ActiveAuctionFactory(
            sale=sale, lot_number=number, horse=horse, reserve_price=None, remaining=1800
        )
    Auction.objects.filter(pk=lots[4].pk).update(
        status=AuctionStatus.SCHEDULED, started_at=None, ends_at=None, starts_at=timezone.now() + timedelta(hours=1)
    )
    bid(lots[3], BidderFactory(), 2_000_000)
    for closing in (lots[3], lots[5]):
        Auction.objects.filter(pk=closing.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
        auction_close(auction_id=closing.pk)
    return sale, lots


class Catalogue:
    """The sale page's filters, as a user works them."""

    def __init__(self, page, lots):
        self.page, self.lots = page, lots
        self.cards = page.locator("[data-testid^=auction-card-]")

    def choose(self, test_id: str, option: str) -> None:
        self.page.get_by_test_id(test_id).click()
        self.page.get_by_role("option", name=option, exact=True).click()
        expect(self.page.get_by_test_id(test_id)).to_contain_text(option)
        self.page.keyboard.press("Escape")

    def clear(self) -> None:
        self.page.get_by_role("button", name="条件をクリア").click()
        expect(self.cards).to_have_count(len(self.lots))

    def expect_lots(self, *numbers: int) -> None:
        expect(self.cards).to_have_count(len(numbers))
        expect(self.page.get_by_test_id("sale-shown")).to_have_text(f"{len(self.lots)}頭中 {len(numbers)}頭を表示")
        shown = [int(self.cards.nth(i).get_attribute("data-auction-id")) for i in range(len(numbers))]
        assert shown == [self.lots[n].pk for n in numbers]


@pytest.mark.parametrize("width", [375, 1280])
def test_each_filter_narrows_the_sale_to_the_right_lots(stack, browser, width):  # noqa: F811
    # Given the catalogue above, opened by a bidder
    consignors = (UserFactory(username=f"asahi_farm_{width}"), UserFactory(username=f"biei_farm_{width}"))
    sale, lots = build_catalogue(consignors)
    me = BidderFactory(username=f"mina_filters_{width}")
    page = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900}).new_page()
    sign_in(page, stack, me, f"/sales/{sale.pk}")
    catalogue = Catalogue(page, lots)
    expect(catalogue.cards).to_have_count(5, timeout=20_000)

    # Then each filter alone keeps exactly its lots, in lot order
    catalogue.choose("filter-sire", "キタサンブラック")
    catalogue.expect_lots(1, 3)
    catalogue.clear()
    catalogue.choose("filter-dams-sire", "キングカメハメハ")
    catalogue.expect_lots(3, 4)
    catalogue.clear()
    catalogue.choose("filter-year", "2025")
    catalogue.expect_lots(2, 3)
    catalogue.clear()
    catalogue.choose("filter-status", "開始前")
    catalogue.expect_lots(4)
    catalogue.clear()
    catalogue.choose("filter-status", "主取り")
    catalogue.expect_lots(5)
    catalogue.clear()

    # And they combine: a sire and a dam's sire, then a foaling year on top of a sire
    catalogue.choose("filter-sire", "エピファネイア")
    catalogue.choose("filter-dams-sire", "ディープインパクト")
    catalogue.expect_lots(2)
    catalogue.clear()
    catalogue.choose("filter-sire", "キタサンブラック")
    catalogue.choose("filter-year", "2024")
    catalogue.expect_lots(1)
    assert no_horizontal_scroll(page)

    # And a bidder has no consignor filter: the API does not name consignors to them
    expect(page.get_by_test_id("filter-consignor")).to_have_count(0)


def test_an_organizer_filters_the_sale_by_consignor(stack, browser):  # noqa: F811
    # Given the catalogue, opened by an auctioneer at 1280 px
    consignors = (UserFactory(username="asahi_farm_org"), UserFactory(username="biei_farm_org"))
    sale, lots = build_catalogue(consignors)
    auctioneer = UserFactory(username="aki_filters", role="auctioneer")
    page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, stack, auctioneer, f"/sales/{sale.pk}")
    catalogue = Catalogue(page, lots)
    expect(catalogue.cards).to_have_count(5, timeout=20_000)

    # Then the consignor filter keeps that consignor's lots, alone and with another filter
    catalogue.choose("filter-consignor", "asahi_farm_org")
    catalogue.expect_lots(1, 4)
    catalogue.choose("filter-status", "入札受付中")
    catalogue.expect_lots(1)
    catalogue.clear()
    catalogue.choose("filter-consignor", "biei_farm_org")
    catalogue.expect_lots(2, 3, 5)
    assert no_horizontal_scroll(page)
