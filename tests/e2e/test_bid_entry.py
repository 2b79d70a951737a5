"""Issue 15 in a real Chromium against the running stack (daphne, Celery worker and beat, PostgreSQL, Redis), on a
phone (375 px) and a desktop (1280 px): the amount typed is the amount the server receives, a wrong amount never
leaves the page, every bid is confirmed first, a maximum answers other bidders while its owner's page is closed,
and a rate-limited bidder is shown how long to wait. Each step leaves a screenshot in docs/screenshots/."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auctions.models import AuditEntry
from bidding.models import Bid, BidSource, MaxBid
from bidding.rate_limit import bid_rate_allow
from tests.accounts.factories import BidderFactory
from tests.bidding.factories import ActiveAuctionFactory
from tests.e2e.test_browser import browser as browser  # the fixtures, used by name
from tests.e2e.test_browser import open_room
from tests.e2e.test_browser import stack as stack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SIZES = pytest.mark.parametrize("size", ["375", "1280"])


def viewport(size: str) -> dict:
    return PHONE if size == "375" else DESKTOP


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The viewport only (small, and what the bidder actually sees), with transitions settled.
    page.screenshot(path=str(SHOTS / name), animations="disabled")


def in_view(page, test_id: str, wait_seconds: float = 5) -> bool:
    """Whether the element is inside the viewport, waiting a moment for the page to bring it there (it scrolls
    after rendering the refusal)."""
    size = page.viewport_size
    deadline = time.monotonic() + wait_seconds
    while True:
        box = page.get_by_test_id(test_id).bounding_box()
        if box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]:
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)


def type_amount(page, text: str) -> None:
    field = page.get_by_test_id("amount-input")
    field.fill(text)


@SIZES
def test_a_typed_amount_is_the_amount_the_server_receives_after_a_confirmation(stack, browser, size):
    # Given a bidder on a running lot priced at ¥4,100,000 (the issue's own example)
    bidder = BidderFactory(username=f"typist_{size}")
    rival = BidderFactory(username=f"rival_{size}")
    auction = ActiveAuctionFactory(remaining=600, reserve_price=None)
    Bid.objects.create(
        auction=auction,
        bidder=rival,
        amount=4_100_000,
        idempotency_key="00000000-0000-4000-8000-000000000001",
        placed_at=auction.started_at,
    )
    auction.current_price, auction.high_bidder, auction.bid_count = 4_100_000, rival, 1
    auction.save()
    page = open_room(browser, stack, bidder, auction.pk, **viewport(size))
    expect(page.get_by_test_id("bid-button")).to_have_attribute("data-amount", "4200000")

    # When they type ¥3,000,000 and tap the button: refused on screen, nothing sent, the minimum offered apart
    type_amount(page, "3,000,000")
    page.get_by_test_id("bid-amount-button").click()
    expect(page.get_by_test_id("amount-field")).to_have_attribute("data-problem", "bid_too_low")
    expect(page.get_by_text("次の最低入札額を下回っています。")).to_be_visible()
    expect(page.get_by_test_id("bid-suggested")).to_have_attribute("data-amount", "4200000")
    expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
    assert page.get_by_test_id("amount-input").input_value() == "3,000,000", "the typed amount is never changed"
    shot(page, f"bid-too-low-{size}.png")

    # An amount between steps: refused too, the field keeps it, Enter behaves as the button
    type_amount(page, "4,212,345")
    page.get_by_test_id("amount-input").press("Enter")
    expect(page.get_by_test_id("amount-field")).to_have_attribute("data-problem", "bid_off_increment")
    expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
    assert in_view(page, "bid-suggested"), "the error and the offer stay in view"
    attempts = AuditEntry.objects.filter(auction=auction, action="bid").count()
    assert (Bid.objects.filter(auction=auction).count(), attempts) == (1, 0), "nothing reached the server"

    # A valid typed amount: the confirmation shows the lot and exactly that amount, and that is what is placed
    type_amount(page, "4,500,000")
    page.get_by_test_id("bid-amount-button").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_have_attribute("data-amount", "4500000")
    expect(page.get_by_test_id("confirm-amount")).to_have_text("¥4,500,000")
    expect(page.get_by_test_id("confirm-lot")).to_contain_text(auction.horse.name)
    shot(page, f"bid-confirm-{size}.png")
    page.get_by_test_id("confirm-bid").click()
    expect(page.get_by_test_id("bid-state")).to_have_attribute("data-status", "accepted", timeout=10_000)
    placed = Bid.objects.filter(auction=auction, bidder=bidder).get()
    assert placed.amount == 4_500_000
    shot(page, f"bid-typed-accepted-{size}.png")


@SIZES
def test_a_maximum_answers_another_bidders_bids_live_while_its_owners_page_is_closed(
    stack,
    browser,
    size,
):
    # Given bidder A who leaves a maximum of ¥1,500,000 in the lot page, then closes it
    alice = BidderFactory(username=f"max_owner_{size}")
    bob = BidderFactory(username=f"max_rival_{size}")
    auction = ActiveAuctionFactory(remaining=600, reserve_price=None)
    a = open_room(browser, stack, alice, auction.pk, **viewport(size))
    a.get_by_test_id("max-field").locator("input").fill("1,500,000")
    a.get_by_test_id("max-submit").click()
    expect(a.get_by_test_id("max-confirm-dialog")).to_have_attribute("data-amount", "1500000")
    a.get_by_test_id("max-confirm").click()
    expect(a.get_by_test_id("my-max")).to_have_text("あなたの上限: ¥1,500,000", timeout=10_000)
    expect(a.get_by_test_id("price")).to_have_attribute("data-amount", "1000000", timeout=10_000)
    a.get_by_test_id("max-submit").scroll_into_view_if_needed()
    shot(a, f"max-bid-owner-{size}.png")
    a.context.close()

    # When B bids twice by hand
    b = open_room(browser, stack, bob, auction.pk, **viewport(size))
    expect(b.get_by_test_id("my-max-none")).to_be_visible()  # B never sees A's maximum
    for answered_at in ("1200000", "1400000"):
        b.get_by_test_id("bid-button").click()
        b.get_by_test_id("confirm-bid").click()
        # Then A's maximum answers at once, one step up, and B sees it live
        expect(b.get_by_test_id("price")).to_have_attribute("data-amount", answered_at, timeout=10_000)
        expect(b.get_by_test_id("outbid")).to_be_visible()
    expect(b.get_by_test_id("my-max")).to_have_count(0)  # A's maximum never reaches B's page
    shot(b, f"max-bid-answers-{size}.png")

    # And B's third bid, at A's maximum, is refused: the earlier maximum leads at that amount
    b.get_by_test_id("bid-button").click()
    b.get_by_test_id("confirm-bid").click()
    expect(b.get_by_test_id("bid-state")).to_have_attribute("data-code", "outbid_by_max", timeout=10_000)
    expect(b.get_by_test_id("price")).to_have_attribute("data-amount", "1500000", timeout=10_000)
    history = [(bid.bidder_id, bid.amount, bid.source) for bid in Bid.objects.filter(auction=auction).order_by("pk")]
    assert history == [
        (alice.pk, 1_000_000, BidSource.MAX_BID),
        (bob.pk, 1_100_000, BidSource.WEBSOCKET),
        (alice.pk, 1_200_000, BidSource.MAX_BID),
        (bob.pk, 1_300_000, BidSource.WEBSOCKET),
        (alice.pk, 1_400_000, BidSource.MAX_BID),
        (alice.pk, 1_500_000, BidSource.MAX_BID),
    ]
    assert MaxBid.objects.get(auction=auction).bidder_id == alice.pk


@SIZES
def test_a_rate_limited_bidder_sees_a_countdown_and_a_disabled_button(stack, browser, size):
    # Given a bidder who has used up this minute's bids
    bidder = BidderFactory(username=f"hasty_{size}")
    auction = ActiveAuctionFactory(remaining=600, reserve_price=None)
    page = open_room(browser, stack, bidder, auction.pk, **viewport(size))
    while bid_rate_allow(bucket=f"u:{bidder.pk}")[0]:
        pass

    # When they bid
    page.get_by_test_id("bid-button").click()
    page.get_by_test_id("confirm-bid").click()

    # Then the refusal says how long to wait, the button is off and counts down, all in view on the screen
    state = page.get_by_test_id("bid-state")
    expect(state).to_have_attribute("data-code", "rate_limited", timeout=10_000)
    button = page.get_by_test_id("bid-button")
    expect(button).to_be_disabled()
    expect(button).to_have_text(re.compile(r"あと \d+ 秒"))
    first = button.inner_text()
    expect(button).not_to_have_text(first, timeout=5_000)  # the count moves on
    assert in_view(page, "bid-state")
    shot(page, f"rate-limit-{size}.png")
    assert not Bid.objects.filter(auction=auction).exists()
