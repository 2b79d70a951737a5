"""Rule 3: each check, and each rejection code, with its audit trail."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from auctions.models import AuctionStatus, AuditEntry
from bidding import errors
from bidding.models import Bid
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.conftest import place

pytestmark = pytest.mark.django_db


def rejected(code, auction, user, amount, **kwargs):
    with pytest.raises(errors.BidRejected) as caught:
        place(auction, user, amount, **kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


def test_first_bid_may_be_exactly_the_start_price(auction, bidder):
    outcome = place(auction, bidder, 1_000_000)
    auction.refresh_from_db()
    assert outcome.bid.amount == 1_000_000
    assert auction.current_price == 1_000_000
    assert auction.high_bidder == bidder
    assert auction.bid_count == 1


def test_first_bid_below_the_start_price_is_too_low(auction, bidder):
    error = rejected("bid_too_low", auction, bidder, 990_000)
    assert error.extra["min_next_bid"] == 1_000_000


def test_start_price_off_the_grid_is_still_a_valid_first_bid(bidder):
    from tests.bidding.factories import ActiveAuctionFactory

    auction = ActiveAuctionFactory(start_price=1_234_000)
    assert place(auction, bidder, 1_234_000).bid.amount == 1_234_000


def test_next_bid_must_be_at_least_one_step_up(auction, bidder, rival):
    place(auction, bidder, 1_000_000)
    rejected("bid_too_low", auction, rival, 1_050_000)
    assert place(auction, rival, 1_100_000).bid.amount == 1_100_000


def test_amount_off_the_step_grid_is_refused(auction, bidder, rival):
    place(auction, bidder, 1_000_000)
    error = rejected("bid_off_increment", auction, rival, 1_150_000)
    assert error.extra["step"] == 100_000


def test_crossing_a_tier_uses_the_new_tiers_grid(bidder, rival):
    from tests.bidding.factories import ActiveAuctionFactory

    auction = ActiveAuctionFactory(start_price=9_900_000)
    place(auction, bidder, 9_900_000)
    rejected("bid_too_low", auction, rival, 9_950_000)
    rejected("bid_off_increment", auction, rival, 10_100_000)  # the 500,000 tier starts at 10,000,000
    assert place(auction, rival, 10_000_000)
    assert place(auction, bidder, 10_500_000)


def test_already_highest_bidder_cannot_raise_themselves(auction, bidder):
    place(auction, bidder, 1_000_000)
    rejected("already_highest", auction, bidder, 1_100_000)


def test_consignor_cannot_bid_on_their_own_horse(auction, bidder):
    auction.horse.consignor = bidder
    auction.horse.save()
    rejected("own_horse", auction, bidder, 1_000_000)


def test_bidder_not_yet_approved_is_not_allowed(auction):
    pending = BidderFactory(is_approved_to_bid=False)
    rejected("not_allowed", auction, pending, 1_000_000)


@pytest.mark.parametrize("role", ["viewer", "auctioneer", "admin"])
def test_only_bidders_may_bid(auction, role):
    rejected("not_allowed", auction, UserFactory(role=role), 1_000_000)


def test_anonymous_may_not_bid(auction, anonymous):
    rejected("not_allowed", auction, anonymous, 1_000_000)


def test_inactive_bidder_is_not_allowed(auction):
    rejected("not_allowed", auction, BidderFactory(is_active=False), 1_000_000)


@pytest.mark.parametrize("status", [AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.CANCELLED])
def test_auction_not_open_refuses_bids(auction, bidder, status):
    auction.status = status
    auction.save()
    rejected("auction_not_active", auction, bidder, 1_000_000)


def test_bid_after_the_end_is_refused_even_before_the_close_runs(auction, bidder):
    auction.ends_at = timezone.now() - timedelta(milliseconds=1)
    auction.save()
    rejected("auction_ended", auction, bidder, 1_000_000)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE  # not closed, yet no bid got in
    assert not Bid.objects.exists()


def test_closed_auction_reports_ended(auction, bidder):
    auction.status = AuctionStatus.UNSOLD
    auction.save()
    rejected("auction_ended", auction, bidder, 1_000_000)


def test_fat_finger_jump_is_refused(auction, bidder, settings):
    settings.BID_MAX_JUMP = 5_000_000
    rejected("bid_too_high", auction, bidder, 7_000_000)
    assert place(auction, bidder, 6_000_000)


def test_auction_may_set_its_own_max_jump(auction, bidder):
    auction.max_jump = 1_000_000
    auction.save()
    rejected("bid_too_high", auction, bidder, 2_100_000)


def test_credit_limit_caps_the_amount(auction):
    careful = BidderFactory(credit_limit=1_500_000)
    rejected("credit_limit", auction, careful, 1_600_000)
    assert place(auction, careful, 1_500_000)


def test_eleventh_bid_in_a_minute_is_rate_limited(bidder, rival, settings, time_machine):
    # Given the limit of ten bids a minute, and a stopped clock
    from tests.bidding.factories import ActiveAuctionFactory

    settings.BID_RATE_LIMIT_PER_MINUTE = 10
    start = timezone.now()
    time_machine.move_to(start, tick=False)

    auction = ActiveAuctionFactory()
    # The two take turns, so neither is ever refused as already the highest: ten accepted bids each
    amounts = iter(range(1_000_000, 3_000_000, 100_000))
    for _turn in range(10):
        place(auction, bidder, next(amounts))
        place(auction, rival, next(amounts))
    assert Bid.objects.filter(auction=auction, bidder=bidder).count() == 10

    # When the bidder bids an eleventh time in the same minute, on any lot, Then it is refused until the first of
    # the ten has aged out of the minute
    other = ActiveAuctionFactory()
    error = rejected("rate_limited", other, bidder, 1_000_000)
    assert error.retry_after == 60
    time_machine.move_to(start + timedelta(seconds=59), tick=False)
    assert rejected("rate_limited", auction, bidder, 3_000_000).retry_after == 1

    # And once the minute has passed, it is accepted again
    time_machine.move_to(start + timedelta(seconds=60), tick=False)
    assert place(other, bidder, 1_000_000).bid.amount == 1_000_000
    assert place(auction, bidder, 3_000_000).bid.amount == 3_000_000


@pytest.mark.parametrize("amount", ["1000000", 1_000_000.5, -1_000_000, 0, True, None, [1], {"yen": 1}])
def test_malformed_amounts_are_invalid(auction, bidder, amount):
    rejected("invalid_amount", auction, bidder, amount)


def test_integer_valued_float_is_accepted_as_yen(auction, bidder):
    assert place(auction, bidder, 1_000_000.0).bid.amount == 1_000_000


def test_idempotency_key_must_be_a_uuid(auction, bidder):
    with pytest.raises(errors.InvalidIdempotencyKey):
        place(auction, bidder, 1_000_000, key="tap-1")


def test_repeat_of_the_same_request_returns_the_original_bid(auction, bidder):
    key = uuid.uuid4()
    first = place(auction, bidder, 1_000_000, key=key)
    again = place(auction, bidder, 1_000_000, key=key)
    assert again.replayed
    assert again.bid.pk == first.bid.pk
    assert Bid.objects.count() == 1


def test_same_key_for_a_different_amount_is_a_conflict(auction, bidder):
    key = uuid.uuid4()
    place(auction, bidder, 1_000_000, key=key)
    rejected("idempotency_conflict", auction, bidder, 1_100_000, key=key)


def test_same_key_for_another_auction_is_a_conflict(auction, bidder):
    from tests.bidding.factories import ActiveAuctionFactory

    key = uuid.uuid4()
    place(auction, bidder, 1_000_000, key=key)
    rejected("idempotency_conflict", ActiveAuctionFactory(), bidder, 1_000_000, key=key)


def test_unknown_auction(bidder):
    with pytest.raises(errors.AuctionNotFound):
        from bidding.services import bid_place

        bid_place(auction_id=999_999, user=bidder, amount=1_000_000, idempotency_key=uuid.uuid4())


@pytest.mark.parametrize("auction_id", ["seven", None, [1], 2**63, -(2**63) - 1, float("inf")])
def test_a_lot_id_no_lot_can_have_finds_no_lot_and_leaves_the_next_bid_working(auction, bidder, auction_id):
    from bidding.services import bid_place

    with pytest.raises(errors.AuctionNotFound):
        bid_place(auction_id=auction_id, user=bidder, amount=1_000_000, idempotency_key=uuid.uuid4())

    assert place(auction, bidder, 1_000_000).bid.amount == 1_000_000


def test_a_lot_id_sent_as_text_of_its_number_is_that_lot(auction, bidder):
    from bidding.services import bid_place

    outcome = bid_place(auction_id=str(auction.pk), user=bidder, amount=1_000_000, idempotency_key=uuid.uuid4())

    assert outcome.bid.auction_id == auction.pk and outcome.auction.consignor_id == auction.horse.consignor_id


def test_every_attempt_is_audited_with_its_outcome(auction, bidder, rival):
    place(auction, bidder, 1_000_000, client_address="203.0.113.7")
    rejected("bid_too_low", auction, rival, 1_000_000)
    entries = list(AuditEntry.objects.filter(auction=auction).order_by("sequence"))
    # With the default 300 s clock and 300 s window, every accepted bid also extends.
    assert [(e.action, e.outcome) for e in entries] == [("bid", "accepted"), ("extend", "ok"), ("bid", "bid_too_low")]
    assert entries[0].actor == bidder
    assert entries[0].client_address == "203.0.113.7"
    assert entries[2].data["amount"] == 1_000_000
    assert entries[2].reason
