"""Rule 1 and 2: every transition of the lifecycle, allowed and forbidden, through the services."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import services
from auctions.errors import InvalidTerms, InvalidTransition, NotEditable, NotOrganizer
from auctions.models import AuctionStatus
from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory, ScheduledAuctionFactory, finished

pytestmark = pytest.mark.django_db

FINISHED = [AuctionStatus.SOLD, AuctionStatus.UNSOLD, AuctionStatus.CANCELLED]


def in_state(status):
    return {
        AuctionStatus.DRAFT: AuctionFactory,
        AuctionStatus.SCHEDULED: ScheduledAuctionFactory,
        AuctionStatus.ACTIVE: ActiveAuctionFactory,
    }.get(status, lambda: finished(status))()


# --- schedule -------------------------------------------------------------------------------------------------


def test_draft_can_be_scheduled(auctioneer):
    auction = AuctionFactory()
    starts_at = timezone.now() + timedelta(minutes=10)

    services.auction_schedule(auction_id=auction.pk, actor=auctioneer, starts_at=starts_at)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SCHEDULED
    assert auction.starts_at == starts_at


def test_scheduled_auction_can_be_moved_to_another_time(auctioneer):
    auction = ScheduledAuctionFactory()
    later = timezone.now() + timedelta(hours=2)
    services.auction_schedule(auction_id=auction.pk, actor=auctioneer, starts_at=later)
    auction.refresh_from_db()
    assert (auction.status, auction.starts_at) == (AuctionStatus.SCHEDULED, later)


def test_schedule_uses_the_start_time_already_set(auctioneer):
    starts_at = timezone.now() + timedelta(minutes=3)
    auction = AuctionFactory(starts_at=starts_at)
    services.auction_schedule(auction_id=auction.pk, actor=auctioneer)
    auction.refresh_from_db()
    assert (auction.status, auction.starts_at) == (AuctionStatus.SCHEDULED, starts_at)


@pytest.mark.parametrize("status", [AuctionStatus.ACTIVE, *FINISHED])
def test_schedule_is_refused_once_the_auction_has_started(auctioneer, status):
    auction = in_state(status)
    with pytest.raises(InvalidTransition) as refused:
        services.auction_schedule(
            auction_id=auction.pk, actor=auctioneer, starts_at=timezone.now() + timedelta(minutes=5)
        )
    assert refused.value.code == "invalid_transition"
    assert refused.value.status_code == 409
    auction.refresh_from_db()
    assert auction.status == status


def test_schedule_in_the_past_is_refused(auctioneer):
    auction = AuctionFactory()
    with pytest.raises(InvalidTerms) as refused:
        services.auction_schedule(
            auction_id=auction.pk, actor=auctioneer, starts_at=timezone.now() - timedelta(seconds=1)
        )
    assert (refused.value.code, refused.value.field) == ("starts_at_in_past", "starts_at")
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.DRAFT


def test_schedule_without_a_start_time_is_refused(auctioneer):
    auction = AuctionFactory()
    with pytest.raises(InvalidTerms) as refused:
        services.auction_schedule(auction_id=auction.pk, actor=auctioneer)
    assert refused.value.code == "starts_at_required"


# --- start ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AuctionStatus.DRAFT, AuctionStatus.SCHEDULED])
def test_draft_or_scheduled_auction_starts_and_runs_for_its_duration(auctioneer, status):
    auction = in_state(status)
    auction.duration_seconds = 240
    auction.save()
    before = timezone.now()

    services.auction_start(auction_id=auction.pk, actor=auctioneer)

    after = timezone.now()
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert before <= auction.started_at <= after
    assert auction.ends_at == auction.started_at + timedelta(seconds=240)


def test_start_never_runs_past_the_hard_stop(auctioneer):
    hard_stop = timezone.now() + timedelta(seconds=90)
    auction = AuctionFactory(max_ends_at=hard_stop)  # duration 300 s would end after it
    services.auction_start(auction_id=auction.pk, actor=auctioneer)
    auction.refresh_from_db()
    assert auction.ends_at == hard_stop


def test_start_after_the_hard_stop_is_refused(auctioneer):
    auction = AuctionFactory(max_ends_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidTransition) as refused:
        services.auction_start(auction_id=auction.pk, actor=auctioneer)
    assert refused.value.code == "hard_stop_passed"
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.DRAFT


@pytest.mark.parametrize("status", [AuctionStatus.ACTIVE, *FINISHED])
def test_start_is_refused_unless_draft_or_scheduled(auctioneer, status):
    auction = in_state(status)
    ends_at = auction.ends_at
    with pytest.raises(InvalidTransition) as refused:
        services.auction_start(auction_id=auction.pk, actor=auctioneer)
    assert refused.value.as_dict()["code"] == "invalid_transition"
    assert refused.value.as_dict()["status"] == status
    auction.refresh_from_db()
    assert (auction.status, auction.ends_at) == (status, ends_at)


# --- cancel ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE])
def test_open_auction_can_be_cancelled_with_a_reason(auctioneer, status):
    auction = in_state(status)
    services.auction_cancel(auction_id=auction.pk, actor=auctioneer, reason="獣医師の判断により上場取消")
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert auction.closed_at is not None
    assert auction.cancel_reason == "獣医師の判断により上場取消"


@pytest.mark.parametrize("status", FINISHED)
def test_finished_auction_cannot_be_cancelled(auctioneer, status):
    auction = in_state(status)
    with pytest.raises(InvalidTransition):
        services.auction_cancel(auction_id=auction.pk, actor=auctioneer)
    auction.refresh_from_db()
    assert auction.status == status


def test_active_auction_past_its_end_cannot_be_cancelled(auctioneer):
    # Its time is up: the close decides it (sold or unsold), not a late cancel.
    auction = ActiveAuctionFactory(ends_at=timezone.now() - timedelta(milliseconds=1))
    with pytest.raises(InvalidTransition):
        services.auction_cancel(auction_id=auction.pk, actor=auctioneer)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE


def test_cancel_reason_longer_than_500_is_refused(auctioneer):
    auction = AuctionFactory()
    with pytest.raises(InvalidTerms):
        services.auction_cancel(auction_id=auction.pk, actor=auctioneer, reason="x" * 501)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.DRAFT


# --- edit -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AuctionStatus.DRAFT, AuctionStatus.SCHEDULED])
def test_draft_and_scheduled_terms_can_be_edited(auctioneer, status):
    auction = in_state(status)
    services.auction_update(auction_id=auction.pk, actor=auctioneer, start_price=1_500_000, reserve_price=None)
    auction.refresh_from_db()
    assert (auction.start_price, auction.reserve_price) == (1_500_000, None)


@pytest.mark.parametrize("status", [AuctionStatus.ACTIVE, *FINISHED])
def test_terms_are_frozen_once_started(auctioneer, status):
    auction = in_state(status)
    with pytest.raises(NotEditable) as refused:
        services.auction_update(auction_id=auction.pk, actor=auctioneer, reserve_price=9_000_000)
    assert refused.value.code == "not_editable"
    auction.refresh_from_db()
    assert auction.reserve_price != 9_000_000


# --- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda a, u: services.auction_start(auction_id=a.pk, actor=u),
        lambda a, u: services.auction_cancel(auction_id=a.pk, actor=u),
        lambda a, u: services.auction_schedule(
            auction_id=a.pk, actor=u, starts_at=timezone.now() + timedelta(minutes=1)
        ),
        lambda a, u: services.auction_update(auction_id=a.pk, actor=u, start_price=5),
    ],
    ids=["start", "cancel", "schedule", "update"],
)
def test_bidders_and_viewers_cannot_drive_the_lifecycle(bidder, viewer, call):
    auction = AuctionFactory()
    for person in (bidder, viewer):
        with pytest.raises(NotOrganizer):
            call(auction, person)
    auction.refresh_from_db()
    assert (auction.status, auction.start_price) == (AuctionStatus.DRAFT, 1_000_000)


# --- events -----------------------------------------------------------------------------------------------------


def test_transitions_publish_json_events_only_after_commit(auctioneer, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("auctions.events.send_to_groups_now", lambda messages: sent.extend(messages))
    auction = AuctionFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.auction_start(auction_id=auction.pk, actor=auctioneer)
    assert sent == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        services.auction_cancel(auction_id=auction.pk, actor=auctioneer, reason="取消")

    auction.refresh_from_db()
    (group, started), (_same, ended) = sent
    assert group == f"auction.{auction.pk}"
    assert started["type"] == "auction:started"
    assert started["ends_at_ms"] == int(auction.ends_at.timestamp() * 1000)
    assert ended["type"] == "auction:ended"
    assert (ended["status"], ended["cancel_reason"]) == ("cancelled", "取消")
    assert "reserve_price" not in json.dumps(sent)
    assert json.loads(json.dumps(sent)) == [list(pair) for pair in sent]  # plain JSON all the way


def test_followers_of_a_lot_hear_that_it_started(auctioneer, bidder, django_capture_on_commit_callbacks):
    from notifications.models import Notification, Watch

    auction = ScheduledAuctionFactory()
    Watch.objects.create(user=bidder, auction=auction)
    with django_capture_on_commit_callbacks(execute=True):
        services.auction_start(auction_id=auction.pk, actor=auctioneer)
    assert list(Notification.objects.filter(user=bidder).values_list("kind", flat=True)) == ["watch_started"]
