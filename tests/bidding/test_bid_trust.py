"""Trust at the edges of the bid path (issue 12): every bid is judged on the bidder's standing at that moment,
refusals are cheap (no lot lock, no Redis under a lock), odd input never reaches the ledger raw."""

import threading
import uuid

import pytest
from django.db import connection, connections, transaction
from django.test.utils import override_settings

from auctions.audit import audit_verify_chain
from auctions.models import Auction, AuctionStatus, AuditEntry
from bidding import errors, rate_limit, services
from bidding.models import Bid
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.factories import ActiveAuctionFactory


def place(auction, user, amount, key=None, **kwargs):
    return services.bid_place(
        auction_id=auction.pk, user=user, amount=amount, idempotency_key=key or uuid.uuid4(), **kwargs
    )


def refusal(auction, user, amount, **kwargs) -> errors.BidRejected:
    with pytest.raises(errors.BidRejected) as caught:
        place(auction, user, amount, **kwargs)
    return caught.value


@pytest.fixture
def lot(db):
    return ActiveAuctionFactory(start_price=1_000_000)


# --- the bidder's standing is read at the moment of the bid, not at sign-in ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"is_active": False}, "not_allowed"),
        ({"role": "viewer"}, "not_allowed"),
        ({"is_approved_to_bid": False}, "not_allowed"),
        ({"credit_limit": 500_000}, "credit_limit"),
    ],
)
def test_a_bidder_whose_standing_changed_since_sign_in_is_judged_on_the_new_one(lot, change, code):
    # Given a bidder object loaded at sign-in (as the socket keeps it)
    bidder = BidderFactory()
    signed_in = type(bidder).objects.get(pk=bidder.pk)
    # When an organizer changes their standing, and the old object is used to bid
    type(bidder).objects.filter(pk=bidder.pk).update(**change)
    # Then the bid is judged on the standing now
    assert refusal(lot, signed_in, 1_000_000).code == code
    assert not Bid.objects.exists()


@pytest.mark.django_db
def test_credit_limit_counts_what_the_bidder_already_leads_and_has_won_unsettled():
    # Given a bidder with a ¥3M limit who leads one lot at ¥2M
    bidder = BidderFactory(credit_limit=3_000_000)
    first, second = ActiveAuctionFactory(start_price=2_000_000), ActiveAuctionFactory(start_price=2_000_000)
    place(first, bidder, 2_000_000)
    # Then a ¥2M bid on another lot would commit them to ¥4M: refused
    assert refusal(second, bidder, 2_000_000).code == "credit_limit"
    # And a lot they won and have not settled counts the same way
    sold = ActiveAuctionFactory(start_price=1_000_000)
    Auction.objects.filter(pk=sold.pk).update(
        status=AuctionStatus.SOLD, winner=bidder, hammer_price=1_500_000, current_price=1_500_000
    )
    third = ActiveAuctionFactory(start_price=500_000)
    assert refusal(third, bidder, 500_000).code == "credit_limit"


# --- refusals are cheap: no lock for those who may not bid, no Redis under a lock -------------------------------


def _hold_lot_lock(auction_id: int, locked: threading.Event, release: threading.Event):
    try:
        with transaction.atomic():
            Auction.objects.select_for_update().get(pk=auction_id)
            locked.set()
            release.wait(30)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["anonymous", "viewer", "unapproved"])
def test_someone_who_may_not_bid_is_refused_without_waiting_for_the_lot_lock(who):
    from django.contrib.auth.models import AnonymousUser

    lot = ActiveAuctionFactory()
    user = {
        "anonymous": AnonymousUser,
        "viewer": lambda: UserFactory(role="viewer"),
        "unapproved": lambda: BidderFactory(is_approved_to_bid=False),
    }[who]()
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lot_lock, args=(lot.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        # If this bid asked for the lot's lock, it would wait on the holder: lock_timeout turns that into an error.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        assert refusal(lot, user, 1_000_000, client_address="203.0.113.9").code == "not_allowed"
    finally:
        release.set()
        holder.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_is_never_asked_while_a_row_lock_is_held(bidder, monkeypatch):
    lot = ActiveAuctionFactory()
    seen = []
    real = rate_limit.bid_rate_allow

    def spy(**kwargs):
        seen.append(connection.in_atomic_block)
        return real(**kwargs)

    monkeypatch.setattr(services, "bid_rate_allow", spy)
    place(lot, bidder, 1_000_000)
    assert seen == [False]


@pytest.mark.django_db
@override_settings(BID_RATE_LIMIT_PER_MINUTE=3)
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_every_attempt_counts_against_the_rate_limit_even_from_those_who_may_not_bid(lot, who):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else UserFactory(role="viewer")
    codes = [refusal(lot, user, 1_000_000, client_address="203.0.113.7").code for _ in range(4)]
    assert codes == ["not_allowed", "not_allowed", "not_allowed", "rate_limited"]


@pytest.mark.django_db
@override_settings(BID_RATE_LIMIT_PER_MINUTE=2)
def test_anonymous_sockets_are_limited_per_address_not_all_together(lot):
    from django.contrib.auth.models import AnonymousUser

    for _ in range(2):
        refusal(lot, AnonymousUser(), 1_000_000, client_address="203.0.113.1")
    assert refusal(lot, AnonymousUser(), 1_000_000, client_address="203.0.113.1").code == "rate_limited"
    assert refusal(lot, AnonymousUser(), 1_000_000, client_address="203.0.113.2").code == "not_allowed"


# --- odd input never reaches the ledger raw ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount",
    ["\u0000", float("inf"), -1e16, 1e16 + 0.5, "x" * 60_000, {"a": [1, 2]}, [1_000_000], "1000000", None, True],
    ids=["nul", "inf", "-1e16", "float", "60KB", "object", "list", "text", "null", "bool"],
)
def test_an_odd_amount_is_invalid_amount_and_leaves_a_short_verifiable_trace(lot, bidder, amount):
    assert refusal(lot, bidder, amount).code == "invalid_amount"
    entry = AuditEntry.objects.get(auction=lot, action="bid")
    assert isinstance(entry.data["amount"], str)
    assert len(entry.data["amount"]) <= 64
    assert audit_verify_chain(auction_id=lot.pk).ok


@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_sent_to_two_lots_at_once_is_a_conflict_not_a_crash():
    bidder = BidderFactory()
    lots = [ActiveAuctionFactory(), ActiveAuctionFactory()]
    key = uuid.uuid4()
    barrier = threading.Barrier(2, timeout=10)
    answers: list = []

    def send(auction):
        try:
            Auction.objects.filter(pk=auction.pk).exists()  # this thread's own connection, opened before the race
            barrier.wait()
            answers.append(place(auction, bidder, 1_000_000, key=key).bid.pk)
        except errors.BidRejected as exc:
            answers.append(exc.code)
        except Exception as exc:
            answers.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(auction,)) for auction in lots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Bid.objects.count() == 1
    assert sorted(answers, key=str).count("idempotency_conflict") == 1
    assert any(isinstance(answer, int) for answer in answers)


# --- messages that say what to do ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_bid_too_low_names_the_minimum_in_yen(lot, bidder, rival):
    place(lot, bidder, 1_000_000)
    refused = refusal(lot, rival, 1_050_000)
    assert refused.code == "bid_too_low"
    assert "¥1,100,000" in str(refused.message)


@pytest.mark.django_db
def test_an_amount_far_above_the_guard_is_too_high_even_off_the_grid(lot, bidder, settings):
    settings.BID_MAX_JUMP = 50_000_000
    assert refusal(lot, bidder, 900_000_001).code == "bid_too_high"
