"""The auctioneer's console of a sale session in the admin (issue 16), in a real headless Chromium on the running
stack: a bidder watching lot 1 in the SPA shows up in the console's watcher count, the console counts down and
refreshes itself, and its pause, resume, message and withdrawal reach the room. At 1280 px (the admin's sidebar
open) and at tablet width without a horizontal scroll; a screenshot goes to docs/screenshots/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction, AuctionStatus, SaleSession
from tests.accounts.factories import PASSWORD, BidderFactory, UserFactory
from tests.auctions.factories import SaleFactory, ScheduledAuctionFactory, auctioneers_group
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory
from tests.e2e.test_browser import browser, open_room, stack  # noqa: F401 (the same stack and browser fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def build_session():
    sale = SaleFactory(name_ja="2026 サマーセール 1日目", name_en="2026 Summer Sale, Day 1", venue="北海道・静内")
    now = timezone.now()
    session = SaleSession.objects.create(
        sale=sale, name="1日目 午後", opens_at=now - timedelta(minutes=2), closes_at=now + timedelta(minutes=20)
    )
    names = {
        1: ("サクラノシラベ", "Sakura no Shirabe"),
        2: ("ハヤテノカゼ", "Hayate no Kaze"),
        3: ("ミナモノヒカリ", "Minamo no Hikari"),
        4: ("ユキノサンバ", "Yuki no Samba"),
    }
    horses = {n: HorseFactory(name=ja, name_en=en) for n, (ja, en) in names.items()}
    lots = {
        1: ActiveAuctionFactory(sale=sale, session=session, lot_number=1, horse=horses[1], remaining=900),
        2: ActiveAuctionFactory(sale=sale, session=session, lot_number=2, horse=horses[2], remaining=1020),
        3: ActiveAuctionFactory(sale=sale, session=session, lot_number=3, horse=horses[3], remaining=1140),
        4: ScheduledAuctionFactory(
            sale=sale, session=session, lot_number=4, horse=horses[4], starts_at=now + timedelta(minutes=30)
        ),
    }
    return session, lots


def test_the_console_of_a_session_counts_watchers_and_runs_the_room(stack, browser):  # noqa: F811
    auctioneer = UserFactory(username="aya_console", role="auctioneer", is_staff=True)
    auctioneer.groups.add(auctioneers_group())
    session, lots = build_session()

    # A bidder watches lot 1 in the SPA (a socket on the stack's daphne)
    room = open_room(
        browser, stack, BidderFactory(username="wataru_console"), lots[1].pk, viewport={"width": 375, "height": 900}
    )

    # The auctioneer opens the session's console in the admin at 1280 px
    desk = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(stack.http_url(0, "/admin/login/"))
    desk.fill("#id_username", auctioneer.username)
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit]")
    desk.goto(stack.http_url(0, f"/admin/auctions/salesession/{session.pk}/console/"))
    lot1 = desk.get_by_test_id("console-lot-1")
    expect(lot1).to_be_visible(timeout=20_000)
    expect(desk.locator("[data-testid^=console-lot-]")).to_have_count(4)

    # The watcher shows up without reloading (the page refreshes itself; the count comes through Redis)
    expect(lot1.get_by_test_id("watchers")).to_have_text("1", timeout=15_000)
    expect(desk.get_by_test_id("console-lot-2").get_by_test_id("watchers")).to_have_text("0")
    expect(desk.get_by_test_id("console-updated")).to_contain_text("更新")
    # and the clock counts down
    first = lot1.get_by_test_id("time-left").inner_text()
    desk.wait_for_timeout(1500)
    assert lot1.get_by_test_id("time-left").inner_text() != first
    assert no_horizontal_scroll(desk), desk.evaluate("() => document.documentElement.scrollWidth")

    # Pause: the room sees its clock stop; the console offers resume
    desk.get_by_test_id("pause-1").click()
    expect(room.get_by_test_id("room-paused")).to_be_visible(timeout=10_000)
    expect(desk.get_by_test_id("console-lot-1")).to_have_attribute("data-paused", "true")
    expect(desk.get_by_test_id("resume-1")).to_be_visible()

    # A message to the room of lot 1
    desk.select_option("#console-message-target", str(lots[1].pk))
    desk.fill("#console-message-text", "獣医所見を更新しました")
    desk.get_by_role("button", name="送信").click()
    expect(room.get_by_test_id("room-message")).to_have_text("獣医所見を更新しました", timeout=10_000)
    assert no_horizontal_scroll(desk), desk.evaluate("() => document.documentElement.scrollWidth")
    desk.screenshot(path=SHOTS / "console-session-desktop.png", full_page=True)

    # Resume: the room's clock runs again
    desk.get_by_test_id("resume-1").click()
    expect(room.get_by_test_id("room-paused")).to_have_count(0, timeout=10_000)

    # Withdraw lot 4 before its start, after confirming
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_test_id("withdraw-4").click()
    expect(desk.get_by_test_id("console-lot-4")).to_have_attribute("data-status", "cancelled", timeout=10_000)
    lot4 = Auction.objects.get(pk=lots[4].pk)
    assert (lot4.status, lot4.withdrawn) == (AuctionStatus.CANCELLED, True)
    lot1_now = Auction.objects.get(pk=lots[1].pk)
    assert lot1_now.status == AuctionStatus.ACTIVE and lot1_now.paused_at is None

    # At tablet width the lots become cards: still no horizontal scroll, the buttons still there
    desk.set_viewport_size({"width": 768, "height": 1024})
    expect(desk.get_by_test_id("pause-1")).to_be_visible()
    assert no_horizontal_scroll(desk), desk.evaluate("() => document.documentElement.scrollWidth")
