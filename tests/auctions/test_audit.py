"""Rule 7: the append-only, hash-chained audit log."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from auctions.audit import audit_verify_chain
from auctions.models import AuditEntry
from bidding import errors
from bidding.models import Bid
from tests.bidding.conftest import place
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bidding_history(bidder, rival):
    auction = ActiveAuctionFactory()
    place(auction, bidder, 1_000_000)
    place(auction, rival, 1_100_000)
    with pytest.raises(errors.AlreadyHighest):  # refusals are audited too
        place(auction, rival, 1_200_000)
    return auction


def test_untouched_chain_verifies(bidding_history, capsys):
    report = audit_verify_chain(auction_id=bidding_history.pk)
    assert report.ok
    assert report.entries == AuditEntry.objects.filter(auction=bidding_history).count() >= 5
    call_command("audit_verify")
    assert "all audit chains verified" in capsys.readouterr().out


def test_chain_breaks_when_a_row_is_altered_behind_the_applications_back(bidding_history):
    # Someone with superuser access to the database switches the guard off and rewrites an amount.
    entry = AuditEntry.objects.filter(auction=bidding_history, outcome="accepted").first()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off, as a superuser can do
        cursor.execute(
            "UPDATE bidding_auditentry SET data = jsonb_set(data, '{amount}', '1') WHERE id = %s", [entry.pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")

    report = audit_verify_chain(auction_id=bidding_history.pk)
    assert not report.ok
    assert report.broken_at == entry.sequence
    with pytest.raises(CommandError):
        call_command("audit_verify", auction=[bidding_history.pk])


def test_chain_breaks_when_a_row_is_removed(bidding_history):
    entry = AuditEntry.objects.filter(auction=bidding_history).order_by("sequence")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off, as a superuser can do
        cursor.execute("DELETE FROM bidding_auditentry WHERE id = %s", [entry.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    assert not audit_verify_chain(auction_id=bidding_history.pk).ok


@pytest.mark.parametrize("model", [AuditEntry, Bid])
def test_database_refuses_updates_and_deletes(bidding_history, model):
    row = model.objects.filter(auction=bidding_history).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(client_address="198.51.100.1")
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_lifecycle_changes_are_audited_with_who_did_them(auctioneer):
    from datetime import timedelta

    from django.utils import timezone

    from auctions.services import auction_cancel, auction_schedule, auction_start
    from tests.bidding.factories import ActiveAuctionFactory

    scheduled = ActiveAuctionFactory(status="draft", started_at=None, ends_at=None)
    auction_schedule(auction_id=scheduled.pk, actor=auctioneer, starts_at=timezone.now() + timedelta(minutes=5))
    auction_start(auction_id=scheduled.pk, actor=auctioneer)
    auction_cancel(auction_id=scheduled.pk, actor=auctioneer, reason="跛行のため上場取消")

    entries = list(AuditEntry.objects.filter(auction=scheduled).order_by("sequence"))
    assert [(e.action, e.actor_id) for e in entries] == [
        ("schedule", auctioneer.pk),
        ("start", auctioneer.pk),
        ("cancel", auctioneer.pk),
    ]
    assert entries[2].reason == "跛行のため上場取消"
    assert audit_verify_chain(auction_id=scheduled.pk).ok
