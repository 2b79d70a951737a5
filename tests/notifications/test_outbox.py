"""Issue 13, acceptance 3: the broker killed at the moment of a close loses no notice, and no e-mail goes twice.

The close writes its domain event in its own transaction; delivering it after the commit fails while the broker
refuses the notification tasks, and the beat's outbox sweep delivers it once the broker is back. The notices'
dedupe keys make the second delivery, and any retry of the e-mail task, a no-op."""

import contextlib
import socket
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auctions.models import Auction, AuctionStatus, DomainEvent
from auctions.services import auction_close
from auctions.signals import deliver_pending
from bidding.services import bid_place
from config.celery import app
from notifications import tasks
from notifications.models import Notification
from notifications.services import notification_create
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def broker_killed():
    """The Celery app's broker is a port nothing listens on (a Redis that was killed), and tasks are really sent
    to it, not run inline: a publish meets kombu's own connection refusal after its retries."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_publish_retry_policy")}
    app.conf.update(
        broker_url=dead,
        task_always_eager=False,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    app._pool = app.amqp._producer_pool = None  # both pools were made for the old broker
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = app.amqp._producer_pool = None
        app.conf.update(saved)


def test_a_close_while_the_broker_is_down_loses_no_notice_and_mails_each_once(bidder, rival):
    lot = ActiveAuctionFactory(reserve_price=None)
    bid_place(auction_id=lot.pk, user=bidder, amount=1_000_000, idempotency_key=uuid.uuid4())
    bid_place(auction_id=lot.pk, user=rival, amount=1_100_000, idempotency_key=uuid.uuid4())
    Auction.objects.filter(pk=lot.pk).update(ends_at=timezone.now())
    mail.outbox.clear()
    before = Notification.objects.count()

    # When the broker is dead at the moment of the close
    with broker_killed():
        closed = auction_close(auction_id=lot.pk)
    assert closed.status == AuctionStatus.SOLD
    event = DomainEvent.objects.get(name="lot_closed")
    assert event.delivered_at is None and "Connection refused" in event.last_error
    assert Notification.objects.count() == before  # nothing yet: the notices wait in the outbox

    # Then, the broker back, the sweep delivers the close once and the notices appear, each e-mailed once
    DomainEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert deliver_pending() >= 1
    results = Notification.objects.filter(auction=lot, kind__in=["won", "lost"])
    assert sorted(results.values_list("kind", flat=True)) == ["lost", "won"]
    sent = len(mail.outbox)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([bidder.email, rival.email])  # each once

    # And a second delivery (a sweep racing the first, a retried task) makes nothing new and mails nothing again
    DomainEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    assert deliver_pending() == 1
    for notification in results:
        tasks.send_notification_email(notification.pk)
    assert results.count() == 2
    assert len(mail.outbox) == sent


def test_every_change_that_notifies_is_recorded_in_the_outbox_with_the_change(bidder, rival):
    lot = ActiveAuctionFactory()
    bid_place(auction_id=lot.pk, user=bidder, amount=1_000_000, idempotency_key=uuid.uuid4())
    bid_place(auction_id=lot.pk, user=rival, amount=1_100_000, idempotency_key=uuid.uuid4())
    events = list(DomainEvent.objects.order_by("pk").values_list("name", "delivered_at"))
    assert [name for name, _ in events] == ["bid_accepted", "bid_accepted"]
    assert all(delivered is not None for _, delivered in events)  # delivered right after each commit


def test_the_email_is_sent_outside_any_lock_once_with_a_stable_message_id(bidder, monkeypatch):
    from django.db import connection

    notification = Notification.objects.create(user=bidder, kind="won", dedupe_key="t:1", data={"lot_number": 1})
    in_transaction = []
    real_send = mail.EmailMultiAlternatives.send

    def watched_send(self, *args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", watched_send)
    mail.outbox.clear()
    assert tasks.send_notification_email(notification.pk) is True
    assert tasks.send_notification_email(notification.pk) is False
    assert in_transaction == [False]
    assert [message.extra_headers["Message-ID"] for message in mail.outbox] == [
        f"<notification-{notification.pk}@umaseri.notifications>"
    ]


def test_a_claim_left_by_a_worker_that_died_mid_send_is_taken_over(bidder):
    notification = Notification.objects.create(
        user=bidder, kind="won", dedupe_key="t:2", data={}, email_claimed_at=timezone.now() - timedelta(hours=1)
    )
    fresh = Notification.objects.create(
        user=bidder, kind="lost", dedupe_key="t:3", data={}, email_claimed_at=timezone.now()
    )
    assert tasks.send_notification_email(notification.pk) is True
    assert tasks.send_notification_email(fresh.pk) is False  # another worker is sending it right now


def test_an_email_the_broker_refused_is_sent_once_by_the_sweep(bidder, rival):
    # Given a notice made while the broker was dead (the commit's callback logs and drops the refused e-mail task)
    with broker_killed():
        told = notification_create(user_id=bidder.pk, kind="won", dedupe_key="sweep:1", data={"lot_number": 1})
        quiet = notification_create(user_id=rival.pk, kind="outbid", dedupe_key="sweep:2", data={}, email=False)
    mail.outbox.clear()
    assert tasks.send_owed_emails() == 0  # within its first minute the e-mail may still be on its way

    # When the sweep runs once the grace has passed, the broker back
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.send_owed_emails() == 1

    # Then the owed one is sent, once, however often the sweep runs again; the one never meant for e-mail is not
    assert [message.extra_headers["Message-ID"] for message in mail.outbox] == [
        f"<notification-{told.pk}@umaseri.notifications>"
    ]
    assert tasks.send_owed_emails() == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=quiet.pk).emailed_at is None


def test_a_notice_to_a_user_without_an_address_is_not_owed_forever(bidder):
    bidder.email = ""
    bidder.save(update_fields=["email"])
    notice = notification_create(user_id=bidder.pk, kind="won", dedupe_key="sweep:3", data={})
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=2))

    assert tasks.send_owed_emails() == 0
    assert Notification.objects.get(pk=notice.pk).email_wanted is False
