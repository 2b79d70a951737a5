"""The auctioneer's console: pause and resume a lot (the clock stops and gets back the time it had left), withdraw
a lot before its start, and a message to the room. Each audited and announced."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import services
from auctions.errors import AuctionNotPaused, AuctionPaused, InvalidTerms, InvalidTransition, NotOrganizer
from auctions.models import Auction, AuctionStatus, AuditEntry
from auctions.services import auction_close, auction_close_due
from bidding import errors as bid_errors
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, ScheduledAuctionFactory
from tests.bidding.conftest import place
from tests.bidding.events import RoomListener
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def actions(auction) -> list[str]:
    return list(AuditEntry.objects.filter(auction=auction).order_by("sequence").values_list("action", flat=True))


# --- pause and resume ---------------------------------------------------------------------------------------------


def test_a_paused_lot_refuses_bids_with_auction_paused_and_audits_the_attempt(auctioneer, bidder):
    auction = ActiveAuctionFactory()
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)

    with pytest.raises(bid_errors.AuctionPaused) as refused:
        place(auction, bidder, auction.start_price)

    assert refused.value.code == "auction_paused"
    assert actions(auction) == ["pause", "bid"]
    assert AuditEntry.objects.filter(auction=auction, action="bid").get().outcome == "auction_paused"


def test_a_bid_over_rest_on_a_paused_lot_is_a_409_with_the_code(auctioneer, bidder):
    auction = ActiveAuctionFactory()
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    response = client_for(bidder).post(
        f"/api/auctions/{auction.pk}/bids/",
        {"amount": auction.start_price, "idempotency_key": "5b0e1f9e-8a52-4c0e-9d1e-0f6f3c0b9a11"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "auction_paused")


def test_a_paused_lot_does_not_close_even_after_its_end(auctioneer):
    auction = ActiveAuctionFactory()
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

    assert auction_close(auction_id=auction.pk) is None
    assert auction.pk not in auction_close_due()
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE


def test_on_resume_the_lot_gets_back_the_time_it_had_left(auctioneer):
    auction = ActiveAuctionFactory()
    paused = services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    left = paused.ends_at - paused.paused_at
    # An hour of standing still, as far as the clock is concerned.
    Auction.objects.filter(pk=auction.pk).update(
        paused_at=paused.paused_at - timedelta(hours=1), ends_at=paused.ends_at - timedelta(hours=1)
    )

    resumed = services.auction_resume(auction_id=auction.pk, actor=auctioneer)

    resume_entry = AuditEntry.objects.filter(auction=auction, action="resume").get()
    assert resumed.paused_at is None
    assert resumed.ends_at == resume_entry.recorded_at + left
    assert resume_entry.data["remaining_ms"] == int(left.total_seconds() * 1000)
    assert actions(auction) == ["pause", "resume"]


def test_a_resumed_lot_takes_bids_again(auctioneer, bidder):
    auction = ActiveAuctionFactory()
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    services.auction_resume(auction_id=auction.pk, actor=auctioneer)
    assert place(auction, bidder, auction.start_price).bid.amount == auction.start_price


def test_a_resume_never_passes_the_hard_stop(auctioneer):
    auction = ActiveAuctionFactory(max_ends_at=timezone.now() + timedelta(seconds=400))
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    Auction.objects.filter(pk=auction.pk).update(paused_at=timezone.now() - timedelta(seconds=200))

    resumed = services.auction_resume(auction_id=auction.pk, actor=auctioneer)

    assert resumed.ends_at == auction.max_ends_at


@pytest.mark.parametrize("factory", [AuctionFactory, ScheduledAuctionFactory])
def test_only_an_active_lot_can_be_paused(auctioneer, factory):
    with pytest.raises(InvalidTransition):
        services.auction_pause(auction_id=factory().pk, actor=auctioneer)


def test_pausing_twice_or_resuming_a_running_lot_is_refused(auctioneer):
    auction = ActiveAuctionFactory()
    with pytest.raises(AuctionNotPaused):
        services.auction_resume(auction_id=auction.pk, actor=auctioneer)
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    with pytest.raises(AuctionPaused):
        services.auction_pause(auction_id=auction.pk, actor=auctioneer)


def test_a_bidder_cannot_pause(bidder):
    with pytest.raises(NotOrganizer):
        services.auction_pause(auction_id=ActiveAuctionFactory().pk, actor=bidder)


def test_pause_and_resume_are_announced_to_the_room(auctioneer, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory()
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        paused = services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.auction_resume(auction_id=auction.pk, actor=auctioneer)

    events = [json.loads(json.dumps(event)) for event in listener.events()]
    assert [event["type"] for event in events] == ["auction:paused", "auction:resumed"]
    assert events[0]["remaining_ms"] == int((paused.ends_at - paused.paused_at).total_seconds() * 1000)
    assert events[1]["ends_at_ms"] == int(resumed.ends_at.timestamp() * 1000)


def test_the_console_pauses_and_resumes_over_rest(auctioneer, bidder):
    auction = ActiveAuctionFactory()
    desk = client_for(auctioneer)

    paused = desk.post(f"/api/auctions/{auction.pk}/pause/")
    assert paused.status_code == 200
    assert paused.json()["paused"] is True and paused.json()["paused_remaining_ms"] > 0
    again = desk.post(f"/api/auctions/{auction.pk}/pause/")
    assert (again.status_code, again.json()["code"]) == (409, "auction_paused")
    resumed = desk.post(f"/api/auctions/{auction.pk}/resume/")
    assert (resumed.status_code, resumed.json()["paused"]) == (200, False)
    refused = client_for(bidder).post(f"/api/auctions/{auction.pk}/pause/")
    assert refused.status_code == 403


# --- withdraw ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [AuctionFactory, ScheduledAuctionFactory])
def test_a_lot_is_withdrawn_before_its_start(auctioneer, factory, django_capture_on_commit_callbacks):
    auction = factory()
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.auction_withdraw(auction_id=auction.pk, actor=auctioneer, reason="跛行のため")

    assert (withdrawn.status, withdrawn.withdrawn, withdrawn.cancel_reason) == ("cancelled", True, "跛行のため")
    entry = AuditEntry.objects.filter(auction=auction, action="cancel").get()
    assert entry.data == {"withdrawn": True}
    (event,) = listener.events()
    assert (event["type"], event["status"], event["withdrawn"]) == ("auction:ended", "cancelled", True)


def test_a_running_lot_cannot_be_withdrawn_only_cancelled(auctioneer):
    auction = ActiveAuctionFactory()
    with pytest.raises(InvalidTransition):
        services.auction_withdraw(auction_id=auction.pk, actor=auctioneer)
    assert Auction.objects.get(pk=auction.pk).status == AuctionStatus.ACTIVE


def test_a_paused_lot_can_still_be_cancelled(auctioneer):
    auction = ActiveAuctionFactory()
    services.auction_pause(auction_id=auction.pk, actor=auctioneer)
    cancelled = services.auction_cancel(auction_id=auction.pk, actor=auctioneer, reason="vet")
    assert (cancelled.status, cancelled.paused_at) == (AuctionStatus.CANCELLED, None)


# --- a message to the room ---------------------------------------------------------------------------------------


def test_a_message_reaches_every_watcher_and_is_audited(auctioneer, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory()
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(auctioneer).post(
            f"/api/auctions/{auction.pk}/message/", {"text": "  上場番号12は欠場です  "}, format="json"
        )

    assert response.status_code == 204
    (event,) = listener.events()
    assert (event["type"], event["text"]) == ("auction:message", "上場番号12は欠場です")
    assert AuditEntry.objects.filter(auction=auction, action="message").get().reason == "上場番号12は欠場です"


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_an_empty_or_overlong_message_is_refused(auctioneer, text):
    with pytest.raises(InvalidTerms) as refused:
        services.auction_message(auction_id=ActiveAuctionFactory().pk, actor=auctioneer, text=text)
    assert refused.value.code == "invalid_message"


def test_a_paused_lots_clock_is_not_ticked(auctioneer):
    from auctions.tasks import broadcast_timers

    running, paused = ActiveAuctionFactory(), ActiveAuctionFactory()
    services.auction_pause(auction_id=paused.pk, actor=auctioneer)
    listener = RoomListener(paused.pk)

    assert broadcast_timers() == 1
    assert listener.events() == []
    assert running.pk  # the other lot's tick went out
