"""My page in a real Chromium against the running stack: bids per lot with the right status, followed lots, the
unread count in the header and "mark all read", and the account's language."""

import time
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from auctions.models import Auction
from bidding.services import bid_place
from notifications.models import Notification, Watch
from tests.accounts.factories import PASSWORD, BidderFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.e2e.test_bid_entry import DESKTOP, PHONE, shot
from tests.e2e.test_browser import browser as browser  # the fixtures, used by name
from tests.e2e.test_browser import stack as stack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def bid(auction, user, amount):
    bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())


def end(auction, status, winner=None):
    auction.refresh_from_db()
    Auction.objects.filter(pk=auction.pk).update(
        status=status,
        closed_at=timezone.now(),
        ends_at=timezone.now(),
        winner=winner,
        hammer_price=auction.current_price if winner else None,
    )


@pytest.mark.parametrize("size", ["375", "1280"])
def test_my_page_groups_bids_by_lot_lists_followed_lots_and_clears_the_unread_count(stack, browser, size):
    # Given a bidder with bids on five lots, one followed lot and two unread notifications
    me, rival = BidderFactory(username=f"mypage_{size}"), BidderFactory(username=f"mypage_rival_{size}")
    leading, outbid, won, lost, passed_in, followed = (ActiveAuctionFactory(reserve_price=None) for _ in range(6))
    for lot in (leading, outbid, won, lost, passed_in):
        bid(lot, me, 1_000_000)
    bid(leading, rival, 1_100_000)
    bid(leading, me, 1_200_000)  # two bids on one lot: one row
    for lot in (outbid, lost):
        bid(lot, rival, 1_100_000)
    end(won, "sold", winner=me)
    end(lost, "sold", winner=rival)
    end(passed_in, "unsold")  # my bid was the highest, but the lot did not sell
    Watch.objects.create(user=me, auction=followed)
    # The worker tells me I was outbid on three lots; wait for those notices before counting.
    deadline = time.monotonic() + 30
    while Notification.objects.filter(user=me).count() < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    for n in range(2):
        Notification.objects.create(user=me, kind="outbid", auction=outbid, dedupe_key=f"e2e:{n}", data={})
    unread = Notification.objects.filter(user=me, read_at__isnull=True).count()
    assert unread == 5

    # When they open my page
    context = browser.new_context(locale="ja-JP", **(PHONE if size == "375" else DESKTOP))
    page = context.new_page()
    page.goto(stack.http_url(0, "/login?next=/me"))
    page.get_by_test_id("login-username").locator("input").fill(me.username)
    page.get_by_test_id("login-password").locator("input").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()

    # Then each lot appears once, with where it leaves the bidder
    rows = page.get_by_test_id("my-lot")
    expect(rows).to_have_count(5, timeout=20_000)
    expected = {leading: "leading", outbid: "outbid", won: "won", lost: "lost", passed_in: "passed_in"}
    for lot, status in expected.items():
        expect(page.locator(f'[data-testid="my-lot"][data-auction-id="{lot.pk}"]')).to_have_attribute(
            "data-status", status
        )
    expect(page.locator(f'[data-auction-id="{passed_in.pk}"] [data-testid="my-lot-status"]')).to_have_text("主取り")
    expect(page.get_by_test_id("followed-lot")).to_have_count(1)
    expect(page.get_by_test_id("followed-lot")).to_contain_text(followed.horse.name)
    badge = page.get_by_test_id("unread-badge").first
    expect(badge).to_have_text(str(unread))
    page.get_by_test_id("my-bids").scroll_into_view_if_needed()
    shot(page, f"my-page-{size}.png")

    # Mark all read: the header's count goes, and the server agrees
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()

    # The language is the account's: switching it changes the page and is kept on the server
    page.get_by_test_id("settings-language").click()
    page.get_by_role("option", name="English").click()
    expect(page.get_by_test_id("settings-language")).to_contain_text("English")
    # On a phone the menu can still lie over the button after the choice: close it first
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.get_by_test_id("settings-save").click()
    expect(page.get_by_test_id("settings-state")).to_have_text("Saved.")
    assert User.objects.get(pk=me.pk).language == "en"
    context.close()
