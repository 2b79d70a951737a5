"""The auctioneer's console for one sale session, in the admin (issue 16): the session's lots in lot order with
state, price, watchers online and time left; pause, resume, withdraw and a message to the room through it, each
audited and announced; for organizers only."""

import asyncio
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auctions.models import Auction, AuctionStatus, AuditEntry, SaleSession
from bidding import presence
from tests.accounts.factories import BidderFactory, UserFactory
from tests.auctions.factories import SaleFactory, ScheduledAuctionFactory, auctioneers_group
from tests.auctions.factories import finished as finished_lot
from tests.bidding.conftest import place
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def console_url(session) -> str:
    return f"/admin/auctions/salesession/{session.pk}/console/"


def live_url(session) -> str:
    return f"/admin/auctions/salesession/{session.pk}/console/live/"


@pytest.fixture
def session_lots(bidder):
    """A session of four lots, made out of lot order: 3 running with a bid, 1 running, 2 to open in ten minutes,
    4 sold. Lot 9 of the same sale belongs to no session."""
    sale = SaleFactory(name_ja="2026 サマーセール 1日目")
    now = timezone.now()
    session = SaleSession.objects.create(
        sale=sale, name="1日目", opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(minutes=30)
    )
    lots = {
        3: ActiveAuctionFactory(sale=sale, session=session, lot_number=3, remaining=600, reserve_price=None),
        1: ActiveAuctionFactory(sale=sale, session=session, lot_number=1, remaining=125),
        2: ScheduledAuctionFactory(
            sale=sale, session=session, lot_number=2, starts_at=now + timedelta(minutes=10), reserve_price=None
        ),
        4: finished_lot(AuctionStatus.SOLD, sale=sale, session=session, lot_number=4),
        9: ActiveAuctionFactory(sale=sale, lot_number=9),
    }
    place(lots[3], bidder, 1_200_000)
    return session, lots


@pytest.fixture
def desk(db) -> Client:
    """An auctioneer in the admin: staff, in the Auctioneers group, not a superuser."""
    person = UserFactory(role="auctioneer", username="kei_rostrum", is_staff=True)
    person.groups.add(auctioneers_group())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    client.person = person
    return client


def rows(html: str) -> list[str]:
    """The lot numbers of the console's rows, in the order shown."""
    return re.findall(r'data-testid="console-lot-(\d+)"', html)


def messages_in(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- what it shows -------------------------------------------------------------------------------------------------


def test_the_console_shows_the_sessions_lots_in_order_with_state_price_watchers_and_time_left(
    desk, session_lots, bidder
):
    session, lots = session_lots

    page = desk.get(console_url(session))

    assert page.status_code == 200
    html = page.content.decode()
    assert rows(html) == ["1", "2", "3", "4"]  # lot order; lot 9 is in no session
    assert "Auctioneer&#x27;s console" in html or "Auctioneer's console" in html
    assert "¥1,200,000" in html  # lot 3's price, with its leader's paddle
    assert f"#{bidder.paddle_number}" in html
    assert "¥2,500,000" in html  # lot 4's hammer price
    assert "start ¥1,000,000" in html  # lot 1 has no bid yet
    ends_at_ms = int(Auction.objects.get(pk=lots[1].pk).ends_at.timestamp() * 1000)
    assert f'data-deadline-ms="{ends_at_ms}"' in html
    assert "opens in 10:00" in html or "opens in 9:59" in html  # lot 2, counting down to its start
    assert html.count('data-testid="watchers">0<') == 4  # nobody watching: zero, not unknown
    assert 'data-testid="watchers-unknown"' not in html
    # what may be done to each: pause the running ones, withdraw the one not yet started, nothing to the sold one
    assert 'data-testid="pause-1"' in html and 'data-testid="pause-3"' in html
    assert 'data-testid="withdraw-2"' in html
    assert 'data-testid="withdraw-3"' not in html and 'data-testid="pause-4"' not in html
    # the page refreshes itself from the live part, which carries the same rows
    assert f'data-live-url="{live_url(session)}"' in html
    live = desk.get(live_url(session))
    assert live.status_code == 200 and "no-store" in live["Cache-Control"]
    assert rows(live.content.decode()) == ["1", "2", "3", "4"]


def test_the_console_is_in_japanese_first(session_lots):
    session, _lots = session_lots
    person = UserFactory(role="admin", username="hana_admin", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(person)
    html = client.get(console_url(session)).content.decode()
    assert "進行コンソール" in html
    assert "一時停止" in html and "取り下げ" in html and "視聴者" in html


def test_the_sessions_list_and_the_sales_page_lead_to_the_console(desk, session_lots):
    session, _lots = session_lots
    assert console_url(session) in desk.get("/admin/auctions/salesession/").content.decode()
    assert console_url(session) in desk.get(f"/admin/auctions/sale/{session.sale_id}/change/").content.decode()


# --- who may use it --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "bidder"])
def test_viewers_and_bidders_are_sent_to_the_sign_in_page(role, session_lots):
    session, lots = session_lots
    person = BidderFactory() if role == "bidder" else UserFactory(role="viewer")
    client = Client()
    client.force_login(person)
    for url in (console_url(session), live_url(session)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.post(console_url(session), {"action": "pause", "auction": lots[1].pk})
    assert Auction.objects.get(pk=lots[1].pk).paused_at is None


def test_staff_who_do_not_run_sales_are_refused(session_lots):
    session, lots = session_lots
    clerk = UserFactory(role="viewer", username="sho_staff", is_staff=True)  # pulls reports, runs no sale
    client = Client()
    client.force_login(clerk)
    assert client.get(console_url(session)).status_code == 403
    assert client.get(live_url(session)).status_code == 403
    assert client.post(console_url(session), {"action": "pause", "auction": lots[1].pk}).status_code == 403
    assert Auction.objects.get(pk=lots[1].pk).paused_at is None


def test_anonymous_is_sent_to_the_sign_in_page(session_lots):
    session, _lots = session_lots
    response = Client().get(console_url(session))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_admin_may_use_it_and_an_unknown_session_is_a_404(session_lots):
    session, _lots = session_lots
    person = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(person)
    assert client.get(console_url(session)).status_code == 200
    assert client.get(f"/admin/auctions/salesession/{session.pk + 1000}/console/").status_code == 404


# --- what it does ----------------------------------------------------------------------------------------------------


def actions(auction) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(auction=auction).order_by("sequence").values_list("action", "actor__username")
    )


def test_pause_and_resume_through_the_console_are_audited_and_announced(
    desk, session_lots, django_capture_on_commit_callbacks
):
    session, lots = session_lots
    listener = RoomListener(lots[1].pk)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            paused = desk.post(console_url(session), {"action": "pause", "auction": lots[1].pk}, follow=True)
        assert "Paused lot 1: its clock stands still." in messages_in(paused)
        html = paused.content.decode()
        assert 'data-testid="resume-1"' in html and 'data-testid="pause-1"' not in html
        assert Auction.objects.get(pk=lots[1].pk).paused_at is not None

        with django_capture_on_commit_callbacks(execute=True):
            resumed = desk.post(console_url(session), {"action": "resume", "auction": lots[1].pk}, follow=True)
        assert any(message.startswith("Resumed lot 1") for message in messages_in(resumed))
        assert Auction.objects.get(pk=lots[1].pk).paused_at is None

        events = [json.loads(json.dumps(event)) for event in listener.events()]
    finally:
        listener.close()
    assert [event["type"] for event in events] == ["auction:paused", "auction:resumed"]
    assert actions(lots[1]) == [("pause", "kei_rostrum"), ("resume", "kei_rostrum")]


def test_withdraw_before_the_start_through_the_console(desk, session_lots, django_capture_on_commit_callbacks):
    session, lots = session_lots
    listener = RoomListener(lots[2].pk)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = desk.post(console_url(session), {"action": "withdraw", "auction": lots[2].pk}, follow=True)
        (event,) = listener.events()
    finally:
        listener.close()
    assert "Withdrew lot 2 from the sale." in messages_in(response)
    lot = Auction.objects.get(pk=lots[2].pk)
    assert (lot.status, lot.withdrawn) == (AuctionStatus.CANCELLED, True)
    assert (event["type"], event["withdrawn"]) == ("auction:ended", True)
    assert actions(lots[2]) == [("cancel", "kei_rostrum")]
    assert 'data-testid="withdraw-2"' not in response.content.decode()


def test_a_running_lot_cannot_be_withdrawn_and_the_console_says_why(desk, session_lots):
    session, lots = session_lots
    response = desk.post(console_url(session), {"action": "withdraw", "auction": lots[3].pk}, follow=True)
    (message,) = messages_in(response)
    assert message.startswith("Lot 3: Only a lot that has not started can be withdrawn")
    assert Auction.objects.get(pk=lots[3].pk).status == AuctionStatus.ACTIVE


def test_a_lot_of_another_session_is_not_acted_on(desk, session_lots):
    session, lots = session_lots
    response = desk.post(console_url(session), {"action": "pause", "auction": lots[9].pk}, follow=True)
    assert messages_in(response) == ["That lot is not in this session."]
    assert Auction.objects.get(pk=lots[9].pk).paused_at is None


def test_a_message_to_one_lot_and_to_the_whole_session(desk, session_lots, django_capture_on_commit_callbacks):
    session, lots = session_lots
    listeners = {number: RoomListener(lots[number].pk) for number in (1, 2, 3, 4)}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            desk.post(console_url(session), {"action": "message", "auction": lots[3].pk, "text": "獣医所見を更新"})
        with django_capture_on_commit_callbacks(execute=True):
            response = desk.post(
                console_url(session), {"action": "message", "auction": "all", "text": "5分後に再開します"}, follow=True
            )
        received = {number: [e.get("text") for e in listener.events()] for number, listener in listeners.items()}
    finally:
        for listener in listeners.values():
            listener.close()
    assert "Message sent to the room of lot(s) 1, 2, 3." in messages_in(response)
    assert received == {
        1: ["5分後に再開します"],
        2: ["5分後に再開します"],
        3: ["獣医所見を更新", "5分後に再開します"],
        4: [],
    }
    assert actions(lots[3])[-2:] == [("message", "kei_rostrum"), ("message", "kei_rostrum")]


def test_an_empty_message_is_refused_once(desk, session_lots):
    session, _lots = session_lots
    response = desk.post(console_url(session), {"action": "message", "auction": "all", "text": "  "}, follow=True)
    (message,) = messages_in(response)
    assert message.startswith("Lot 1, 2, 3: The message must have from 1 to")
    assert not AuditEntry.objects.filter(action="message").exists()


# --- watchers online -----------------------------------------------------------------------------------------------


def test_watchers_online_are_shown_summed_over_the_processes(desk, session_lots):
    # Given two socket servers' reports: one with 2 watchers on lot 3 and 1 on lot 1, the other 3 on lot 3
    session, lots = session_lots

    async def two_processes():
        client = presence._client()
        try:
            await presence.write_counts(client, hub_id="host-a:1:aaaa", counts={lots[3].pk: 2, lots[1].pk: 1})
            await presence.write_counts(client, hub_id="host-b:2:bbbb", counts={lots[3].pk: 3})
        finally:
            await client.aclose()

    asyncio.run(two_processes())

    html = desk.get(console_url(session)).content.decode()
    watchers = dict(zip(rows(html), re.findall(r'data-testid="watchers">(\d+)<', html), strict=True))
    assert watchers == {"1": "1", "2": "0", "3": "5", "4": "0"}


def test_with_redis_down_the_console_works_and_the_count_is_unknown(desk, session_lots, settings):
    session, _lots = session_lots
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    page = desk.get(console_url(session))
    assert page.status_code == 200
    html = page.content.decode()
    assert rows(html) == ["1", "2", "3", "4"]
    assert 'data-testid="watchers-unknown"' in html
    assert html.count('data-testid="watchers"><span class="muted" title="unknown">?</span>') == 4
