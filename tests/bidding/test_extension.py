"""Rule 4: anti-sniping extension, and the hard stop. A bid extends when `ends_at - now < window`; the clock stands
still in these tests, so "exactly 300 s left" means exactly that."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.bidding.conftest import place
from tests.bidding.factories import ActiveAuctionFactory

pytestmark = pytest.mark.django_db

WINDOW = timedelta(seconds=300)  # the lot's default extension window
START = datetime.now(UTC).replace(microsecond=0)  # the lots are built at this frozen moment


@pytest.fixture
def clock(time_machine):
    """Stopped at START; a test moves it with `clock.move_to(...)`."""
    time_machine.move_to(START, tick=False)
    return time_machine


def test_bid_with_exactly_the_window_left_does_not_extend(bidder, clock, listen, django_capture_on_commit_callbacks):
    # Not in the window: `ends_at - now < window` is false. (Were it true, now + window would be the current end:
    # the end must neither move nor count as an extension, nor be announced.)
    auction = ActiveAuctionFactory(remaining=300)
    assert auction.ends_at - START == WINDOW
    listener = listen(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = place(auction, bidder, 1_000_000)

    auction.refresh_from_db()
    assert outcome.bid.placed_at == START
    assert not outcome.extended
    assert auction.ends_at == START + WINDOW
    assert auction.extension_count == 0
    assert [e["type"] for e in listener.events()] == ["auction:update"]


def test_bid_a_millisecond_inside_the_window_moves_the_end_to_now_plus_the_window(
    bidder, clock, listen, django_capture_on_commit_callbacks
):
    auction = ActiveAuctionFactory(remaining=300)
    now = START + timedelta(milliseconds=1)  # 299.999 s left
    clock.move_to(now, tick=False)
    listener = listen(auction.pk)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = place(auction, bidder, 1_000_000)

    auction.refresh_from_db()
    assert outcome.extended
    assert auction.ends_at == now + WINDOW
    assert auction.extension_count == 1
    events = listener.events()
    assert [e["type"] for e in events] == ["auction:update", "auction:extended"]
    extended = json.loads(json.dumps(events[1]))  # events are plain JSON
    assert extended["ends_at_ms"] == int((now + WINDOW).timestamp() * 1000)
    assert extended["extension_count"] == 1
    assert "server_time" in extended


def test_hard_stop_caps_the_extension(bidder, rival, clock):
    # Given a lot with 10 s left and a hard stop 60 s away
    auction = ActiveAuctionFactory(remaining=10)
    auction.max_ends_at = START + timedelta(seconds=60)
    auction.save()

    # A bid now would move the end to now + 300 s; the hard stop holds it at 60 s.
    assert place(auction, bidder, 1_000_000).extended
    auction.refresh_from_db()
    assert auction.ends_at == START + timedelta(seconds=60)
    assert auction.extension_count == 1

    # At the hard stop the clock cannot move any further, however late in the window the next bid comes.
    clock.move_to(START + timedelta(seconds=59), tick=False)
    assert not place(auction, rival, 1_100_000).extended
    auction.refresh_from_db()
    assert auction.ends_at == START + timedelta(seconds=60)
    assert auction.extension_count == 1


def test_zero_window_never_extends(bidder, clock):
    auction = ActiveAuctionFactory(remaining=5, extension_window_seconds=0)
    assert not place(auction, bidder, 1_000_000).extended
    auction.refresh_from_db()
    assert auction.ends_at == START + timedelta(seconds=5)
    assert auction.extension_count == 0
