"""The SPA in a real headless Chromium against the real running stack (daphne, Celery worker and beat,
PostgreSQL, Redis): two bidders and a viewer, each in their own browser context; and axe-core's accessibility
rules on every page, on a phone and on a desktop."""

import re
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from auctions.models import Auction, AuctionStatus
from bidding.services import bid_place
from horses.models import HorseDocument
from tests.accounts.factories import PASSWORD, BidderFactory, UserFactory
from tests.auctions import factories as lots
from tests.bidding.factories import ActiveAuctionFactory
from tests.horses.factories import pdf_upload
from tests.live_stack import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is needed for the browser tests (apt-get install chromium; .ci/run does it)"
    return path


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    index = Path(settings.FRONTEND_DIST) / "index.html"
    assert index.exists(), "build the SPA first: npm --prefix frontend ci && npm --prefix frontend run build"
    stack = LiveStack(servers=1)
    with stack.running():
        yield stack


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_room(browser, stack, user, auction_id: int, **context_options):
    context = browser.new_context(locale="ja-JP", **context_options)
    page = context.new_page()
    page.goto(stack.http_url(0, f"/login?next=/auctions/{auction_id}"))
    page.get_by_test_id("login-username").locator("input").fill(user.username)
    page.get_by_test_id("login-password").locator("input").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("auction-room")).to_have_attribute("data-auction-id", str(auction_id), timeout=20_000)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open", timeout=20_000)
    return page


def bid_next(page) -> None:
    """Tap the big bid button and confirm (the confirmation step is on by default)."""
    page.get_by_test_id("bid-button").click()
    page.get_by_test_id("confirm-bid").click()


def seen_within(pages, amount: int, timeout_ms: int = 10_000) -> float:
    """Wait until every page shows `amount` as the price; returns the seconds it took."""
    started = time.monotonic()
    for page in pages:
        expect(page.get_by_test_id("price")).to_have_attribute("data-amount", str(amount), timeout=timeout_ms)
    return time.monotonic() - started


def test_two_bidders_and_a_viewer_follow_one_lot_to_its_end(stack, browser):
    # Given two bidders (A may spend at most ¥1,000,000) and a viewer, on a running lot with an 8 s window
    alice = BidderFactory(username="alice_e2e", credit_limit=1_000_000)
    bob = BidderFactory(username="bob_e2e")
    carol = BidderFactory(username="carol_e2e")  # bids from outside the browsers while the server is down
    viewer = UserFactory(username="vera_e2e", role="viewer")
    auction = ActiveAuctionFactory(remaining=300, extension_window_seconds=8, reserve_price=None)
    a = open_room(browser, stack, alice, auction.pk)
    b = open_room(browser, stack, bob, auction.pk)
    v = open_room(browser, stack, viewer, auction.pk)

    # A bids; B and the viewer see it
    expect(a.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1000000")
    bid_next(a)
    expect(a.get_by_test_id("you-are-highest")).to_be_visible(timeout=10_000)
    first_seen = seen_within([b, v], 1_000_000)

    # B outbids; A sees it
    expect(b.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1100000", timeout=10_000)
    bid_next(b)
    second_seen = seen_within([a, v], 1_100_000)

    # A tries to go higher than their credit limit: refused, and the reason is on screen
    expect(a.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1200000", timeout=10_000)
    bid_next(a)
    state = a.get_by_test_id("bid-state")
    expect(state).to_have_attribute("data-status", "rejected", timeout=10_000)
    expect(state).to_have_attribute("data-code", "credit_limit")
    assert state.inner_text().strip()

    # The server restarts; meanwhile a bid arrives that no socket could hear. Every page recovers by itself.
    stack.restart_servers()
    bid_place(auction_id=auction.pk, user=carol, amount=1_200_000, idempotency_key=uuid.uuid4())
    seen_within([a, b, v], 1_200_000, timeout_ms=45_000)
    for page in (a, b, v):
        expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open", timeout=30_000)

    # The lot enters its last seconds; B's bid extends it and everyone is told
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() + timedelta(seconds=5))
    expect(b.get_by_test_id("bid-button")).to_have_attribute("data-amount", "1300000", timeout=10_000)
    bid_next(b)
    for page in (a, b, v):
        expect(page.get_by_test_id("extension-notice")).to_be_visible(timeout=10_000)

    # It ends by itself and all three see the result; B sees that they won
    for page in (a, b, v):
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "sold", timeout=30_000)
    expect(b.get_by_test_id("result-mine")).to_be_visible()
    auction.refresh_from_db()
    assert (auction.status, auction.winner_id, auction.hammer_price) == ("sold", bob.pk, 1_300_000)
    print(
        f"\nA's bid seen by B and the viewer after {first_seen:.2f}s; B's by A and the viewer after {second_seen:.2f}s"
    )


# --- accessibility --------------------------------------------------------------------------------------------

AXE_SCRIPT = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# axe's impacts are minor, moderate, serious and critical; the last two fail the test.
FAILING_IMPACTS = {"serious", "critical"}


def axe_failures(page) -> list[str]:
    """Runs axe-core's default rules (WCAG 2 A/AA and best practices) on the page as it is now. axe goes in as an
    inline script, which the site's Content-Security-Policy refuses: these pages are opened with bypass_csp (the
    policy itself has its own test below)."""
    assert AXE_SCRIPT.exists(), "axe-core is a devDependency of the SPA: npm --prefix frontend ci"
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(_node(node) for node in v["nodes"][:4])
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]


def _node(node: dict) -> str:
    """The element, and for a contrast failure the colours axe saw, so that a failure says why."""
    colours = next((check["data"] for check in node.get("any", []) if check.get("id") == "color-contrast"), None)
    if isinstance(colours, dict):
        seen = {key: colours.get(key) for key in ("fgColor", "bgColor", "contrastRatio", "fontSize")}
        return f"{' '.join(node['target'])} {seen}"
    return " ".join(node["target"])


def sign_in(page, stack, user, then: str) -> None:
    page.goto(stack.http_url(0, f"/login?next={then}"))
    page.get_by_test_id("login-username").locator("input").fill(user.username)
    page.get_by_test_id("login-password").locator("input").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"**{then}", timeout=20_000)


@pytest.mark.parametrize("width", [375, 1280])
def test_no_page_has_a_serious_or_critical_accessibility_violation(stack, browser, width):
    # Given a lot with a bid, a catalogue document and a history; one scheduled, one sold
    bidder = BidderFactory(username=f"ada_axe_{width}")
    auctioneer = UserFactory(username=f"otto_axe_{width}", role="auctioneer")
    live = lots.ActiveAuctionFactory()  # one factory module for every lot, so their lot numbers differ
    HorseDocument.objects.create(horse=live.horse, kind="vet", title="獣医所見", file=pdf_upload())
    bid_place(auction_id=live.pk, user=BidderFactory(), amount=1_000_000, idempotency_key=uuid.uuid4())
    lots.ScheduledAuctionFactory()
    lots.finished(AuctionStatus.SOLD)
    viewport = {"width": width, "height": 900}
    failures: dict[str, list[str]] = {}

    def check(name: str, page, ready: str) -> None:
        expect(page.get_by_test_id(ready).first).to_be_visible(timeout=20_000)
        page.wait_for_load_state("networkidle")
        failures[name] = axe_failures(page)

    # Signed out: the list, a lot room, login, register, a page that does not exist
    page = browser.new_context(locale="ja-JP", viewport=viewport, bypass_csp=True).new_page()
    page.goto(stack.http_url(0, "/auctions"))
    check("list", page, "auction-list")
    page.goto(stack.http_url(0, f"/auctions/{live.pk}"))
    check("lot room", page, "documents")
    page.goto(stack.http_url(0, "/login"))
    check("login", page, "login-form")
    page.goto(stack.http_url(0, "/register"))
    check("register", page, "register-form")
    page.goto(stack.http_url(0, "/no-such-page"))
    expect(page.locator("h1")).to_be_visible(timeout=20_000)
    check("not found", page, "language-toggle")

    # A bidder: the list, the lot room with the bid panel, my page
    page = browser.new_context(locale="ja-JP", viewport=viewport, bypass_csp=True).new_page()
    sign_in(page, stack, bidder, "/auctions")
    check("list, signed in", page, "auction-list")
    page.goto(stack.http_url(0, f"/sales/{live.sale_id}"))
    check("sale", page, "sale-lots")
    page.goto(stack.http_url(0, f"/auctions/{live.pk}"))
    check("lot room, bidder", page, "bid-button")
    page.goto(stack.http_url(0, "/me"))
    check("my page", page, "profile")

    # The auctioneer's console, with the live lot open
    page = browser.new_context(locale="ja-JP", viewport=viewport, bypass_csp=True).new_page()
    sign_in(page, stack, auctioneer, "/console")
    page.get_by_test_id(f"console-item-{live.pk}").click()
    check("console", page, "console-live")

    assert {name: found for name, found in failures.items() if found} == {}
    assert len(failures) == 10


# --- the Content-Security-Policy ----------------------------------------------------------------------------------

# Collects every violation the page reports, from before its first script runs.
CSP_LISTENER = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', (e) =>"
    " window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"
)


def _no_violation(page, console: list[str], where: str) -> None:
    assert page.evaluate("window.__cspViolations") == [], where
    assert [line for line in console if "Content Security Policy" in line] == [], where


def test_no_csp_violation_on_the_spa_the_admin_login_and_the_api_docs(stack, browser):
    admin = UserFactory(username="csp_admin", role="admin", is_staff=True, is_superuser=True)
    bidder = BidderFactory(username="csp_bidder")
    auction = ActiveAuctionFactory(remaining=300)
    context = browser.new_context(locale="ja-JP")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    def visit(path: str):
        response = page.goto(stack.http_url(0, path))
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self';" in policy + ";", (path, policy)
        return response

    # The SPA: the lot list, signing in, a live room over the WebSocket, the registration form
    visit("/auctions")
    expect(page.get_by_test_id("auction-list")).to_be_visible(timeout=20_000)
    _no_violation(page, console, "lot list")
    visit(f"/login?next=/auctions/{auction.pk}")
    page.get_by_test_id("login-username").locator("input").fill(bidder.username)
    page.get_by_test_id("login-password").locator("input").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open", timeout=20_000)
    _no_violation(page, console, "auction room")
    page.get_by_test_id("logout").first.click()
    expect(page.get_by_test_id("login-link")).to_be_visible(timeout=20_000)  # signed out before moving on
    visit("/register")
    expect(page.get_by_test_id("register-form")).to_be_visible(timeout=20_000)
    _no_violation(page, console, "registration")

    # The Django admin: its sign-in page, then a list with its action bar
    visit("/admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible(timeout=20_000)
    visit("/admin/accounts/user/")
    expect(page.locator("#changelist")).to_be_visible(timeout=20_000)
    _no_violation(page, console, "admin")

    # The API documentation: Swagger UI renders the schema
    visit("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    _no_violation(page, console, "api docs")
    context.close()


# --- registration and vetting -------------------------------------------------------------------------------------


def test_a_newcomer_registers_confirms_the_address_and_is_told_the_account_is_under_review(stack, browser):
    from accounts.models import User
    from accounts.services import email_confirmation_token, user_approve_to_bid

    organizer = UserFactory(username="vet_admin", role="admin", is_staff=True, is_superuser=True)
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()

    # The registration form asks, in Japanese, for the particulars and the conditions of sale
    page.goto(stack.http_url(0, "/register"))
    expect(page.get_by_test_id("conditions-text")).to_contain_text("落札", timeout=20_000)
    for field, value in {
        "register-username": "hanako_e2e",
        "register-email": "hanako.e2e@example.jp",
        "register-password": "S3cure-Paddock!",
        "register-full-name": "佐藤 花子",
        "register-full-name-kana": "サトウ ハナコ",
        "register-phone": "03-1234-5678",
    }.items():
        page.get_by_test_id(field).locator("input").fill(value)
    page.get_by_test_id("register-address").locator("textarea").first.fill("東京都港区芝公園4-2-8")
    page.get_by_test_id("register-accept-conditions").locator("input").check()
    page.get_by_test_id("register-submit").click()

    # Registered: my page, and a banner asking to confirm the address
    banner = page.get_by_test_id("vetting-banner")
    expect(banner).to_have_attribute("data-status", "email_unconfirmed", timeout=20_000)
    expect(banner).to_contain_text("hanako.e2e@example.jp")
    user = User.objects.get(username="hanako_e2e")
    assert (user.full_name_kana, user.phone) == ("サトウ ハナコ", "03-1234-5678")

    # The link from the e-mail confirms it: now under review
    page.goto(stack.http_url(0, f"/auctions?confirm_email={email_confirmation_token(user)}"))
    expect(page.get_by_test_id("vetting-notice")).to_be_visible(timeout=20_000)
    expect(banner).to_have_attribute("data-status", "under_review", timeout=20_000)
    # The token leaves the address bar once the confirmation has been answered (router.replace, asynchronous)
    expect(page).not_to_have_url(re.compile("confirm_email"), timeout=20_000)

    # An organizer approves with a credit limit: the banner goes, my page says so
    user.refresh_from_db()
    user_approve_to_bid(user=user, credit_limit=20_000_000, actor=organizer)
    page.goto(stack.http_url(0, "/me"))
    expect(page.get_by_test_id("my-vetting")).to_have_attribute("data-status", "approved", timeout=20_000)
    expect(banner).to_have_count(0)
    context.close()
