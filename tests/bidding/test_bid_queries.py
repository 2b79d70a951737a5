"""What an accepted bid costs the database: every statement on the bid path is CPU in the socket process that
runs it, beside the fan-out (issue 14). The budget is pinned here so that a change that adds one says so."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bidding.models import MaxBid
from bidding.services import bid_place, max_bid_set
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _bid(lot, user, amount):
    with CaptureQueriesContext(connection) as queries:
        outcome = bid_place(auction_id=lot.pk, user=user, amount=amount, idempotency_key=uuid.uuid4())
    return outcome, [q["sql"] for q in queries]


def test_an_accepted_bid_on_a_lot_without_maxima_asks_for_them_only_inside_the_standing_query(bidder):
    lot = ActiveAuctionFactory(remaining=3600)  # far from its end: no extension

    outcome, statements = _bid(lot, bidder, 1_000_000)

    assert outcome.bid.amount == 1_000_000 and not outcome.extended
    assert not [sql for sql in statements if sql.lstrip().startswith('SELECT "bidding_maxbid"')]
    standing = [sql for sql in statements if "FROM accounts_user u" in sql]
    # Before the lock the standing asks nothing of the lot; after it, whether the lot has a maximum at all.
    assert len(standing) == 2, "\n".join(statements)
    assert "m.auction_id = NULL" in standing[0] and f"m.auction_id = {lot.pk}" in standing[1]
    # Before the lock: the standing. BEGIN, the lock, the standing again; the bid; the audit chain's head and its
    # entry; the lot's row; the room event and the domain event; COMMIT. After it: the relayed room event removed,
    # the domain event marked delivered. (17 before the maxima were asked inside the standing query and the domain
    # event was delivered without reading it back; 15 before the bid's insert skipped its key's conflict itself,
    # without a savepoint.)
    assert len(statements) == 13, "\n".join(statements)
    assert not [sql for sql in statements if "SAVEPOINT" in sql]


def test_a_lot_with_a_standing_maximum_reads_it_and_the_maximum_answers(bidder, rival):
    lot = ActiveAuctionFactory(remaining=3600)
    max_bid_set(auction_id=lot.pk, user=rival, max_amount=1_500_000, idempotency_key=uuid.uuid4())
    assert lot.bids.count() == 1  # the maximum opened the bidding

    outcome, statements = _bid(lot, bidder, 1_100_000)

    assert [bid.bidder_id for bid in outcome.automatic] == [rival.pk]
    assert any(sql.startswith('SELECT "bidding_maxbid"') for sql in statements)
    assert MaxBid.objects.get(bidder=rival).max_amount == 1_500_000
