"""Issue 16's screens in a real headless Chromium on the running stack, at 375 px and 1280 px: the sale page with
its lots in order, the bidder's status on each card and the countdown to a scheduled start; search, filters and
sort; the buyer's total beside the bid panel; the invoice on My page, downloaded as a PDF. And the organizers'
sale page in the admin at 1280 px without a horizontal scroll. Screenshots go to docs/screenshots/."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction, AuctionStatus, SaleSession
from auctions.services import auction_close
from bidding.services import bid_place
from notifications.models import Watch
from tests.accounts.factories import PASSWORD, BidderFactory, UserFactory
from tests.auctions.factories import SaleFactory
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory
from tests.e2e.test_browser import browser, sign_in, stack  # noqa: F401 (the same stack and browser fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())


def build_sale(me, rival):
    """A sale of six lots, made out of lot order: two running (`me` leads one and was outbid on the other), two to
    open in ten minutes (`me` follows one), one sold to `me` (so an invoice) and one passed in."""
    sale = SaleFactory(name_ja="2026 サマーセール 1日目", name_en="2026 Summer Sale, Day 1", venue="北海道・静内")
    horse = {
        1: HorseFactory(name="サクラノシラベ", sire="キタサンブラック", dams_sire="ディープインパクト", sex="filly"),
        2: HorseFactory(name="ハヤテノカゼ", sire="エピファネイア", dams_sire="キングカメハメハ", sex="colt"),
        3: HorseFactory(name="ミナモノヒカリ", sire="キタサンブラック", dams_sire="キングカメハメハ", sex="colt"),
        4: HorseFactory(name="ユキノサンバ", sire="ロードカナロア", dams_sire="ハーツクライ", sex="filly"),
        5: HorseFactory(name="アカツキノソラ", sire="ロードカナロア", dams_sire="ディープインパクト", sex="colt"),
        6: HorseFactory(name="ツキミヅキ", sire="エピファネイア", dams_sire="ハーツクライ", sex="filly"),
    }
    lots = {}
    for number in (5, 3, 1, 6, 2, 4):
        lots[number] = ActiveAuctionFactory(
            sale=sale, lot_number=number, horse=horse[number], reserve_price=None, remaining=1800
        )
    soon = timezone.now() + timedelta(minutes=10)
    session = SaleSession.objects.create(sale=sale, opens_at=soon, closes_at=soon + timedelta(minutes=30))
    Auction.objects.filter(pk__in=[lots[4].pk, lots[6].pk]).update(
        status=AuctionStatus.SCHEDULED, started_at=None, ends_at=None, starts_at=soon, session=session
    )
    Watch.objects.create(user=me, auction=lots[4])
    bid(lots[1], rival, 1_000_000)
    bid(lots[1], me, 1_100_000)  # I lead lot 1
    bid(lots[2], me, 1_000_000)
    bid(lots[2], rival, 1_100_000)  # I was outbid on lot 2
    bid(lots[3], me, 2_000_000)  # lot 3: sold to me
    for closing in (lots[3], lots[5]):
        Auction.objects.filter(pk=closing.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
        auction_close(auction_id=closing.pk)
    return sale, lots


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "name"), [(375, "phone"), (1280, "desktop")])
def test_sale_page_filters_total_and_invoice(stack, browser, width, name):  # noqa: F811
    me = BidderFactory(username=f"mina_sale_{width}")
    rival = BidderFactory(username=f"rin_sale_{width}")
    sale, lots = build_sale(me, rival)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}, accept_downloads=True
    ).new_page()
    sign_in(page, stack, me, f"/sales/{sale.pk}")

    # The sale page: every lot, in lot order, with where I stand and the countdown to a scheduled start
    expect(page.get_by_test_id("sale-header")).to_contain_text("2026 サマーセール 1日目")
    cards = page.locator("[data-testid^=auction-card-]")
    expect(cards).to_have_count(6, timeout=20_000)
    order = [int(cards.nth(i).get_attribute("data-auction-id")) for i in range(6)]
    assert order == [lots[n].pk for n in range(1, 7)]
    expect(page.get_by_test_id(f"auction-card-{lots[1].pk}").get_by_test_id("my-status-leading")).to_be_visible()
    expect(page.get_by_test_id(f"auction-card-{lots[2].pk}").get_by_test_id("my-status-outbid")).to_be_visible()
    expect(page.get_by_test_id(f"auction-card-{lots[4].pk}").get_by_test_id("my-status-following")).to_be_visible()
    expect(page.get_by_test_id(f"auction-card-{lots[4].pk}").get_by_test_id("start-countdown")).to_contain_text(
        "開始まで"
    )
    expect(page.get_by_test_id(f"auction-card-{lots[4].pk}")).to_contain_text("JST")  # times say their zone
    assert no_horizontal_scroll(page)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SHOTS / f"sale-{name}.png")

    # Search and filters: a sire by name, then fillies only, then a price floor; then sorted by price
    page.get_by_test_id("filter-search").locator("input").fill("キタサンブラック")
    expect(page.get_by_test_id("sale-shown")).to_have_text("6頭中 2頭を表示")
    page.get_by_test_id("filter-sex").click()
    page.get_by_role("option", name="牝", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-auction-id", str(lots[1].pk))
    page.keyboard.press("Escape")
    page.get_by_test_id("filter-search").locator("input").fill("")
    page.get_by_test_id("filter-min").locator("input").fill("1100000")
    expect(page.get_by_test_id("sale-shown")).to_have_text("6頭中 1頭を表示")  # fillies from ¥1,100,000: lot 1
    assert no_horizontal_scroll(page)
    page.screenshot(path=SHOTS / f"sale-filtered-{name}.png", animations="disabled")  # labels settled
    page.get_by_role("button", name="条件をクリア").click()
    page.get_by_test_id("sort").click()
    page.get_by_role("option", name="価格の高い順").click()
    expect(cards.first).to_have_attribute("data-auction-id", str(lots[3].pk))  # sold at ¥2,000,000

    # The lot page: the total before confirming a bid, premium and tax included
    page.goto(stack.http_url(0, f"/auctions/{lots[2].pk}"))
    expect(page.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1200000", timeout=20_000)
    total = page.get_by_test_id("buyer-total")
    # ¥1,200,000 + 5 % (¥60,000) + 10 % of ¥1,260,000 (¥126,000) = ¥1,386,000
    expect(total.get_by_test_id("buyer-total-amount")).to_have_text("¥1,386,000")
    expect(total.get_by_test_id("buyer-total-premium")).to_have_text("¥60,000")
    expect(total.get_by_test_id("buyer-total-tax")).to_have_text("¥126,000")
    assert no_horizontal_scroll(page)
    total.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"total-{name}.png")

    # My page: the invoice of the lot I won, downloaded as a PDF
    page.goto(stack.http_url(0, "/me"))
    invoice = lots[3].__class__.objects.get(pk=lots[3].pk).invoice
    row = page.get_by_test_id(f"invoice-{invoice.pk}")
    expect(row).to_contain_text(invoice.display_number, timeout=20_000)
    expect(row).to_contain_text("¥2,310,000")  # 2,000,000 + 100,000 + 210,000
    with page.expect_download() as download:
        row.get_by_test_id("invoice-download").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename == f"invoice-{invoice.display_number}.pdf"
    assert no_horizontal_scroll(page)
    row.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"invoice-{name}.png")


def test_the_admin_sale_page_needs_no_horizontal_scroll_at_1280(stack, browser):  # noqa: F811
    organizer = UserFactory(username="oda_admin_sale", role="admin", is_staff=True, is_superuser=True)
    sale, _lots = build_sale(BidderFactory(), BidderFactory())
    page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(stack.http_url(0, "/admin/login/"))
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(stack.http_url(0, f"/admin/auctions/sale/{sale.pk}/change/"))
    expect(page.locator("#lots-group")).to_be_visible(timeout=20_000)
    expect(page.locator("#sessions-group")).to_be_visible()

    assert no_horizontal_scroll(page), page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=SHOTS / "admin-sale-desktop.png", full_page=True)


@pytest.mark.parametrize(("width", "name"), [(375, "phone"), (1280, "desktop")])
def test_lot_page_pedigree_gallery_and_video(stack, browser, width, name):  # noqa: F811
    from horses.models import HorseDocument, HorsePhoto
    from tests.horses.factories import pdf_upload, png_bytes

    me = BidderFactory(username=f"mina_lot_{width}")
    horse = HorseFactory(
        name="サクラノシラベ",
        name_en="Sakura no Shirabe",
        sire="キタサンブラック",
        dam="サクラノウタ",
        dams_sire="ディープインパクト",
        description="近親に重賞勝ち馬。\n母の産駒: 3頭出走、2頭勝ち上がり。",
        pedigree={
            "s": {"en": "Kitasan Black"},
            "ss": {"ja": "ブラックタイド", "en": "Black Tide"},
            "sd": {"ja": "シュガーハート", "en": "Sugar Heart"},
            "ds": {"en": "Deep Impact"},
            "dd": {"ja": "サクラノハナ", "en": "Sakura no Hana"},
            "sss": {"ja": "サンデーサイレンス", "en": "Sunday Silence"},
            "ssd": {"ja": "ウインドインハーヘア", "en": "Wind in Her Hair"},
            "sds": {"ja": "サクラバクシンオー", "en": "Sakura Bakushin O"},
            "sdd": {"ja": "オトメゴコロ", "en": "Otomegokoro"},
            "dss": {"ja": "サンデーサイレンス", "en": "Sunday Silence"},
            "dsd": {"ja": "ウインドインハーヘア", "en": "Wind in Her Hair"},
            "dds": {"ja": "キングカメハメハ", "en": "King Kamehameha"},
            "ddd": {"ja": "サクラノユメ", "en": "Sakura no Yume"},
        },
    )
    # A wide photo and a tall one: neither may be cropped. The stack keeps uploads in memory, so the browser is
    # handed the bytes for /media/ itself.
    pictures = {"wide.png": png_bytes(size=(400, 150)), "tall.png": png_bytes(size=(150, 400), colour=(40, 90, 160))}
    for position, file_name in enumerate(pictures):
        HorsePhoto.objects.create(horse=horse, image=f"horses/photos/{file_name}", position=position)
    HorseDocument.objects.create(horse=horse, kind="vet", title="獣医所見", file=pdf_upload())
    lot = ActiveAuctionFactory(horse=horse, video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900}).new_page()
    page.route(
        "**/media/horses/photos/*",
        lambda route: route.fulfill(body=pictures[route.request.url.rsplit("/", 1)[1]], content_type="image/png"),
    )
    page.route("https://www.youtube-nocookie.com/**", lambda route: route.fulfill(body="<p>video</p>"))
    sign_in(page, stack, me, f"/auctions/{lot.pk}")

    # The pedigree: three generations, fourteen ancestors, English names beneath
    table = page.get_by_test_id("pedigree-table")
    expect(table.locator("td[data-position]")).to_have_count(14, timeout=20_000)
    expect(table.locator("td[data-position=sss]")).to_contain_text("サンデーサイレンス")
    expect(table.locator("td[data-position=sss]")).to_contain_text("Sunday Silence")
    expect(table.locator("td[data-position=s]")).to_contain_text("Kitasan Black")
    expect(page.get_by_test_id("horse-name")).to_contain_text("Sakura no Shirabe")
    expect(page.get_by_test_id("notes")).to_contain_text("産駒")
    expect(page.get_by_test_id("documents")).to_contain_text("獣医所見")  # an approved bidder reads the report
    expect(page.get_by_test_id("video").locator("iframe")).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )

    # The gallery shows each photo whole (contain, never cover), and opens it full size
    main = page.get_by_test_id("gallery-main").locator("img")
    expect(main).to_have_js_property("complete", True)
    assert main.evaluate("img => getComputedStyle(img).objectFit") == "contain"
    page.get_by_test_id("gallery-thumb").nth(1).click()
    expect(main).to_have_attribute("src", re_end("tall.png"))
    assert no_horizontal_scroll(page)
    table.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"pedigree-{name}.png")
    page.get_by_test_id("gallery-main").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"gallery-{name}.png")
    page.get_by_test_id("gallery-main").click()
    full = page.get_by_test_id("gallery-full").locator("img")
    expect(full).to_be_visible()
    box = full.bounding_box()
    assert box["width"] >= 0.9 * width  # (nearly) the whole viewport, the photo contained within it
    assert full.evaluate("img => getComputedStyle(img).objectFit") == "contain"
    page.screenshot(path=SHOTS / f"gallery-full-{name}.png")


def re_end(suffix: str):
    import re

    return re.compile(re.escape(suffix) + "$")


def test_the_console_pauses_a_lot_and_speaks_to_the_room(stack, browser):  # noqa: F811
    auctioneer = UserFactory(username="aki_rostrum", role="auctioneer")
    watcher = BidderFactory(username="wataru_room")
    lot = ActiveAuctionFactory(remaining=600, reserve_price=None)
    room = browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 900}).new_page()
    sign_in(room, stack, watcher, f"/auctions/{lot.pk}")
    expect(room.get_by_test_id("connection")).to_have_attribute("data-state", "open", timeout=20_000)
    desk = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desk, stack, auctioneer, "/console")
    desk.get_by_test_id(f"console-item-{lot.pk}").click()

    desk.get_by_test_id("pause").click()
    expect(room.get_by_test_id("room-paused")).to_be_visible(timeout=10_000)
    desk.get_by_test_id("room-text").locator("input").fill("獣医所見を更新しました")
    desk.get_by_test_id("room-send").click()
    expect(room.get_by_test_id("room-message")).to_have_text("獣医所見を更新しました", timeout=10_000)
    room.screenshot(path=SHOTS / "room-paused-message-phone.png")
    desk.screenshot(path=SHOTS / "console-rostrum-desktop.png")
    desk.get_by_test_id("resume").click()
    expect(room.get_by_test_id("room-paused")).to_have_count(0, timeout=10_000)
    lot.refresh_from_db()
    assert lot.paused_at is None and lot.status == "active"


def test_a_first_visit_from_an_english_browser_is_in_english(stack, browser):  # noqa: F811
    sale, _lots = build_sale(BidderFactory(), BidderFactory())
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 900}).new_page()
    page.goto(stack.http_url(0, f"/sales/{sale.pk}"))
    expect(page.get_by_test_id("sale-header")).to_contain_text("2026 Summer Sale, Day 1", timeout=20_000)
    expect(page.get_by_test_id("sale-shown")).to_have_text("6 of 6 lots")
    expect(page.locator("html")).to_have_attribute("lang", "en")
