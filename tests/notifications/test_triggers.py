"""One test per trigger: the right users get exactly one notification each, also when the task runs again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auctions.models import Auction
from auctions.services import auction_close
from notifications import services, tasks
from notifications.models import Notification, Watch
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.conftest import place
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


def kinds_for(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def close_now(auction):
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(milliseconds=1))
    return auction_close(auction_id=auction.pk)


def test_outbid_bidder_hears_once_even_when_the_task_is_retried(bidder, rival, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory()
    place(auction, bidder, 1_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        outbidding = place(auction, rival, 1_100_000)

    # The task runs again, as a retry or a duplicate delivery would.
    tasks.notify_outbid(auction_id=auction.pk, user_id=bidder.pk, bid_id=outbidding.bid.pk)

    assert kinds_for(bidder) == ["outbid"]
    assert kinds_for(rival) == []
    notification = Notification.objects.get(user=bidder)
    assert notification.data["amount"] == 1_100_000
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [bidder.email]


def test_a_bidding_war_lists_every_outbid_but_emails_only_the_first_of_a_run(
    bidder, rival, django_capture_on_commit_callbacks, settings
):
    settings.OUTBID_EMAIL_QUIET_SECONDS = 600
    auction = ActiveAuctionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        place(auction, bidder, 1_000_000)
        place(auction, rival, 1_100_000)
        place(auction, bidder, 1_200_000)
        place(auction, rival, 1_300_000)
    assert kinds_for(bidder) == ["outbid", "outbid"]
    assert kinds_for(rival) == ["outbid"]
    assert sorted(message.to[0] for message in mail.outbox) == sorted([bidder.email, rival.email])

    # Ten quiet minutes later the next outbid is news again.
    Notification.objects.filter(user=bidder).update(created_at=timezone.now() - timedelta(seconds=601))
    with django_capture_on_commit_callbacks(execute=True):
        place(auction, bidder, 1_400_000)
        place(auction, rival, 1_500_000)
    assert kinds_for(bidder) == ["outbid", "outbid", "outbid"]
    assert [message.to[0] for message in mail.outbox].count(bidder.email) == 2


def test_the_first_bid_outbids_nobody(bidder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place(ActiveAuctionFactory(), bidder, 1_000_000)
    assert not Notification.objects.exists()


def test_close_tells_the_winner_the_losers_and_the_consignor_once(bidder, rival, django_capture_on_commit_callbacks):
    consignor = UserFactory(role="viewer", username="kei_consignor")
    third = BidderFactory()
    auction = ActiveAuctionFactory(reserve_price=None)
    auction.horse.consignor = consignor
    auction.horse.save()
    place(auction, bidder, 1_000_000)
    place(auction, third, 1_100_000)
    place(auction, rival, 1_200_000)

    with django_capture_on_commit_callbacks(execute=True):
        close_now(auction)
    tasks.notify_auction_result(auction_id=auction.pk)  # a retry
    close_now(auction)  # a second close attempt changes nothing

    assert kinds_for(rival) == ["won"]
    assert kinds_for(bidder) == ["lost"]
    assert kinds_for(third) == ["lost"]
    assert kinds_for(consignor) == ["consignor_result"]
    assert Notification.objects.get(user=consignor).data["hammer_price"] == 1_200_000


def test_unsold_lot_tells_every_bidder_they_did_not_win(bidder, django_capture_on_commit_callbacks):
    auction = ActiveAuctionFactory(reserve_price=9_000_000)
    place(auction, bidder, 1_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        close_now(auction)
    notification = Notification.objects.get(user=bidder)
    assert (notification.kind, notification.data["status"]) == ("lost", "unsold")


def test_followers_hear_when_a_lot_starts_once(bidder, viewer):
    auction = ActiveAuctionFactory()
    Watch.objects.create(user=bidder, auction=auction)
    Watch.objects.create(user=viewer, auction=auction)

    tasks.notify_watchers_started(auction_id=auction.pk)
    tasks.notify_watchers_started(auction_id=auction.pk)

    assert kinds_for(bidder) == ["watch_started"]
    assert kinds_for(viewer) == ["watch_started"]


def test_a_notice_for_a_lot_deleted_since_it_was_queued_is_dropped_not_retried(bidder, caplog):
    # Given a lot that is gone by the time its queued notices run (a retry, or a task left in the broker)
    auction = ActiveAuctionFactory()
    gone = auction.pk
    Auction.objects.filter(pk=gone).delete()

    # When the workers run them, nothing raises (a raise would retry for minutes and end in an ERROR traceback)
    with caplog.at_level("INFO", logger="notifications.tasks"):
        tasks.notify_watchers_started(auction_id=gone)
        tasks.notify_auction_result(auction_id=gone)
        tasks.notify_outbid(auction_id=gone, user_id=bidder.pk, bid_id=987654321)

    # Then each says once why it did nothing, and nobody is told anything
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "notify_watchers_started",
        "notify_auction_result",
        "notify_outbid",
    ]
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_notice_for_a_user_deleted_since_it_was_queued_is_dropped():
    lot = ActiveAuctionFactory()
    gone = UserFactory()
    gone_id = gone.pk
    gone.delete()

    # The foreign key is checked as the insert commits (deferred): no row, no error, nothing to retry.
    notice = services.notification_create(user_id=gone_id, kind="won", dedupe_key=f"won:{lot.pk}", auction_id=lot.pk)

    assert notice is None
    assert not Notification.objects.exists()


def test_followers_hear_once_when_a_lot_is_about_to_close(bidder, rival):
    closing = ActiveAuctionFactory(remaining=45)
    later = ActiveAuctionFactory(remaining=300)
    Watch.objects.create(user=bidder, auction=closing)
    Watch.objects.create(user=rival, auction=later)

    assert tasks.notify_closing_soon() == 1
    assert tasks.notify_closing_soon() == 0  # the beat runs it again five seconds later

    assert kinds_for(bidder) == ["watch_closing"]
    assert kinds_for(rival) == []


def test_email_is_sent_once_however_often_the_task_runs(bidder):
    auction = ActiveAuctionFactory()
    notification = services.notification_create(
        user_id=bidder.pk, kind="watch_started", dedupe_key="t", auction=auction, data={"lot_number": 1}
    )
    assert tasks.send_notification_email(notification.pk) is True
    assert tasks.send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1
