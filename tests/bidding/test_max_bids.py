"""Rule 10: maximum bids (自動入札), through the real services on PostgreSQL.

The cast: `bidder` (paddle 101…) leaves maxima, `rival` bids against them by hand, `third` is a second maximum."""

import json
import uuid

import pytest

from auctions.audit import audit_verify_chain
from auctions.models import AuditAction, AuditEntry
from bidding import errors
from bidding.models import Bid, BidSource, MaxBid
from bidding.services import max_bid_get, max_bid_set, max_bid_withdraw
from notifications.models import Notification
from tests.accounts.factories import BidderFactory
from tests.bidding.conftest import place
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def third(db):
    return BidderFactory(username="dan_third")


def set_max(auction, user, amount, key=None, **kwargs):
    return max_bid_set(
        auction_id=auction.pk, user=user, max_amount=amount, idempotency_key=key or uuid.uuid4(), **kwargs
    )


def values(tree) -> list:
    """Every scalar inside a JSON-like tree."""
    if isinstance(tree, dict):
        return [v for value in tree.values() for v in values(value)]
    if isinstance(tree, list):
        return [v for value in tree for v in values(value)]
    return [tree]


def history(auction):
    return [(b.bidder_id, b.amount, b.source) for b in Bid.objects.filter(auction=auction).order_by("pk")]


def test_a_maximum_on_a_lot_without_bids_places_the_opening_bid_at_once(auction, bidder):
    outcome = set_max(auction, bidder, 2_000_000)

    auction.refresh_from_db()
    assert history(auction) == [(bidder.pk, 1_000_000, BidSource.MAX_BID)]
    assert (auction.current_price, auction.high_bidder_id, auction.bid_count) == (1_000_000, bidder.pk, 1)
    assert [b.amount for b in outcome.automatic] == [1_000_000]


def test_a_lower_bid_is_accepted_and_answered_one_step_up(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)

    outcome = place(auction, rival, 1_500_000)

    auction.refresh_from_db()
    assert outcome.bid.amount == 1_500_000 and outcome.bid.source == BidSource.REST
    assert [b.amount for b in outcome.automatic] == [1_600_000]
    assert (auction.current_price, auction.high_bidder_id) == (1_600_000, bidder.pk)


def test_the_answer_never_exceeds_the_maximum(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)

    place(auction, rival, 1_900_000)  # one step up would be 2,000,000: exactly the maximum

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_000_000, bidder.pk)
    place(auction, rival, 2_100_000)
    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_100_000, rival.pk)


def test_a_bid_equal_to_the_maximum_is_refused_and_the_maximum_leads_at_that_amount(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)

    with pytest.raises(errors.OutbidByMax) as refused:
        place(auction, rival, 2_000_000)

    auction.refresh_from_db()
    assert refused.value.code == "outbid_by_max"
    assert (auction.current_price, auction.high_bidder_id) == (2_000_000, bidder.pk)
    assert history(auction)[-1] == (bidder.pk, 2_000_000, BidSource.MAX_BID)
    assert not Bid.objects.filter(bidder=rival).exists()


def test_a_higher_maximum_takes_the_lead_one_step_above_the_leaders_maximum(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)  # leads at the opening ¥1,000,000

    set_max(auction, rival, 3_000_000)

    auction.refresh_from_db()
    assert history(auction) == [(bidder.pk, 1_000_000, BidSource.MAX_BID), (rival.pk, 2_100_000, BidSource.MAX_BID)]
    assert (auction.current_price, auction.high_bidder_id) == (2_100_000, rival.pk)


def test_a_lower_maximum_is_played_in_full_and_the_leaders_maximum_answers_it(auction, bidder, rival):
    set_max(auction, bidder, 3_000_000)

    set_max(auction, rival, 2_000_000)

    auction.refresh_from_db()
    assert history(auction) == [
        (bidder.pk, 1_000_000, BidSource.MAX_BID),
        (rival.pk, 2_000_000, BidSource.MAX_BID),
        (bidder.pk, 2_100_000, BidSource.MAX_BID),
    ]
    assert (auction.current_price, auction.high_bidder_id) == (2_100_000, bidder.pk)


def test_equal_maxima_the_earlier_leads_at_that_amount(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)

    set_max(auction, rival, 2_000_000)

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_000_000, bidder.pk)
    assert history(auction)[-1] == (bidder.pk, 2_000_000, BidSource.MAX_BID)
    assert not Bid.objects.filter(bidder=rival).exists()


def test_a_manual_bid_above_every_maximum_leads(auction, bidder, rival, third):
    set_max(auction, bidder, 2_000_000)
    set_max(auction, third, 1_500_000)

    place(auction, rival, 2_500_000)

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_500_000, rival.pk)


def test_a_maximum_may_be_raised_but_not_lowered(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)
    set_max(auction, bidder, 2_500_000)  # the leader raises: no bid is placed
    assert history(auction) == [(bidder.pk, 1_000_000, BidSource.MAX_BID)]
    assert max_bid_get(auction_id=auction.pk, user=bidder).max_amount == 2_500_000

    with pytest.raises(errors.MaxBidLowered):
        set_max(auction, bidder, 2_200_000)
    assert MaxBid.objects.filter(bidder=bidder, withdrawn_at__isnull=True).count() == 1


def test_raising_keeps_the_place_in_time_of_the_first_setting(auction, bidder, rival):
    set_max(auction, bidder, 1_500_000)
    set_max(auction, rival, 2_000_000)  # rival leads at 1,600,000

    set_max(auction, bidder, 2_000_000)  # equal now, and the earlier of the two

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_000_000, bidder.pk)


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (1_050_000, "bid_off_increment"),
        (900_000, "bid_too_low"),
        (99_000_000, "bid_too_high"),
        ("1e6", "invalid_amount"),
    ],
)
def test_a_maximum_follows_the_rules_of_a_bid(auction, bidder, amount, code):
    with pytest.raises(errors.BidRejected) as refused:
        set_max(auction, bidder, amount)
    assert refused.value.code == code
    assert not MaxBid.objects.exists()


def test_a_maximum_must_reach_the_next_valid_bid(auction, bidder, rival):
    place(auction, rival, 2_000_000)
    with pytest.raises(errors.BidTooLow):
        set_max(auction, bidder, 2_000_000)


def test_the_consignor_and_a_viewer_cannot_leave_a_maximum(auction, bidder, viewer):
    auction.horse.consignor = bidder
    auction.horse.save()
    with pytest.raises(errors.OwnHorse):
        set_max(auction, bidder, 2_000_000)
    with pytest.raises(errors.NotAllowedToBid):
        set_max(auction, viewer, 2_000_000)


def test_a_maximum_must_fit_the_credit_limit_and_counts_against_it_elsewhere(bidder):
    bidder.credit_limit = 5_000_000
    bidder.save()
    lot_a, lot_b = ActiveAuctionFactory(), ActiveAuctionFactory()
    with pytest.raises(errors.CreditLimitExceeded):
        set_max(lot_a, bidder, 6_000_000)

    set_max(lot_a, bidder, 4_000_000)  # leads lot A at ¥1,000,000, but up to ¥4,000,000 is committed

    with pytest.raises(errors.CreditLimitExceeded) as refused:
        place(lot_b, bidder, 1_100_000)
    assert refused.value.extra["committed"] == 4_000_000
    place(lot_b, bidder, 1_000_000)


def test_withdrawing_is_allowed_only_while_not_leading(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)
    with pytest.raises(errors.MaxBidLeading):
        max_bid_withdraw(auction_id=auction.pk, user=bidder)

    place(auction, rival, 2_100_000)
    max_bid_withdraw(auction_id=auction.pk, user=bidder)

    assert max_bid_get(auction_id=auction.pk, user=bidder) is None
    with pytest.raises(errors.MaxBidNotFound):
        max_bid_withdraw(auction_id=auction.pk, user=bidder)
    # A withdrawn maximum no longer answers; a new one may be set.
    set_max(auction, bidder, 3_000_000)
    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (2_200_000, bidder.pk)


def test_a_retry_of_the_same_setting_returns_it_and_places_nothing(auction, bidder):
    key = uuid.uuid4()
    first = set_max(auction, bidder, 2_000_000, key=key)
    again = set_max(auction, bidder, 2_000_000, key=key)

    assert again.replayed and again.max_bid.pk == first.max_bid.pk
    assert Bid.objects.count() == 1
    with pytest.raises(errors.IdempotencyConflict):
        set_max(auction, bidder, 2_500_000, key=key)


def test_setting_a_maximum_counts_against_the_rate_limit_its_bids_do_not(bidder, rival, settings):
    settings.BID_RATE_LIMIT_PER_MINUTE = 3
    auction = ActiveAuctionFactory(start_price=100_000)
    set_max(auction, bidder, 9_000_000)  # 1 of 3
    for amount in (200_000, 300_000):  # rival: 2 of 3, each answered by an automatic bid
        place(auction, rival, amount)
    assert Bid.objects.filter(bidder=bidder, source=BidSource.MAX_BID).count() == 3

    set_max(auction, bidder, 9_500_000)  # 2 of 3: the automatic bids did not count
    set_max(auction, bidder, 9_600_000)  # 3 of 3
    with pytest.raises(errors.RateLimited):
        set_max(auction, bidder, 9_700_000)


def test_automatic_bids_are_audited_extend_the_clock_and_are_broadcast_in_order(
    bidder, rival, django_capture_on_commit_callbacks
):
    auction = ActiveAuctionFactory(remaining=100)  # inside the 300 s window: every bid extends
    set_max(auction, bidder, 2_000_000)
    listener = RoomListener(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        place(auction, rival, 1_500_000)

    events = listener.events()
    updates = [e for e in events if e["type"] == "auction:update"]
    assert [(u["bid"]["amount"], u["high_bidder_paddle"]) for u in updates] == [
        (1_500_000, rival.paddle_number),
        (1_600_000, bidder.paddle_number),
    ]
    assert "auction:extended" in [e["type"] for e in events]
    assert 2_000_000 not in values(events), "a maximum is never broadcast"
    assert not any("max_amount" in e or "max_bid" in json.dumps(e) for e in events)
    entries = list(AuditEntry.objects.filter(auction=auction).order_by("sequence"))
    accepted = [e.data for e in entries if e.action == AuditAction.BID and e.outcome == "accepted"]
    assert [(d["amount"], d["source"]) for d in accepted] == [
        (1_000_000, "max_bid"),
        (1_500_000, "rest"),
        (1_600_000, "max_bid"),
    ]
    assert [e.action for e in entries].count(AuditAction.MAX_SET) == 1
    assert audit_verify_chain(auction_id=auction.pk).ok


def test_the_bidder_answered_by_a_maximum_is_told_they_were_outbid(
    auction, bidder, rival, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_max(auction, bidder, 2_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        place(auction, rival, 1_500_000)

    assert Notification.objects.filter(user=rival, kind="outbid").count() == 1
    # The maximum's owner was displaced for an instant only, and leads again: no notice.
    assert not Notification.objects.filter(user=bidder, kind="outbid").exists()


def test_a_maximum_of_an_owner_no_longer_approved_does_not_bid(auction, bidder, rival):
    set_max(auction, bidder, 2_000_000)
    bidder.is_approved_to_bid = False
    bidder.save()

    place(auction, rival, 1_100_000)

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (1_100_000, rival.pk)


def test_a_maximum_that_no_longer_fits_a_lowered_credit_limit_does_not_bid(auction, bidder, rival):
    bidder.credit_limit = 5_000_000
    bidder.save()
    set_max(auction, bidder, 3_000_000)
    bidder.credit_limit = 2_000_000  # staff lower it afterwards
    bidder.save()

    place(auction, rival, 1_100_000)

    auction.refresh_from_db()
    assert (auction.current_price, auction.high_bidder_id) == (1_100_000, rival.pk)
