"""The demo catalogue: a dozen horses, lots in every state, and nothing new on a second run."""

import io

import pytest

from auctions.models import Auction, AuctionStatus
from bidding.demo import DEMO_HORSES, seed_catalogue
from horses.models import Horse
from tests.accounts.factories import BidderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    return {
        "admin": UserFactory(role="admin", username="admin", is_staff=True, is_superuser=True),
        "auctioneer": UserFactory(role="auctioneer", username="auctioneer", is_staff=True),
        "bidder1": BidderFactory(username="bidder1"),
        "bidder2": BidderFactory(username="bidder2"),
        "viewer": UserFactory(role="viewer", username="viewer"),
    }


def test_demo_catalogue_has_a_dozen_horses_and_lots_in_every_state(demo_users):
    out = io.StringIO()
    seed_catalogue(users=demo_users, stdout=out)

    assert Horse.objects.count() == len(DEMO_HORSES) == 12
    assert all(horse.photos.exists() for horse in Horse.objects.all())
    assert {horse.breeder for horse in Horse.objects.all()} and all(
        "北海道" in horse.location for horse in Horse.objects.all()
    )
    statuses = set(Auction.objects.values_list("status", flat=True))
    assert {"draft", "scheduled", "active", "sold", "unsold", "cancelled"} <= statuses

    sold = Auction.objects.get(status=AuctionStatus.SOLD)
    assert sold.winner == demo_users["bidder2"] and sold.hammer_price == 4_600_000
    assert sold.bids.count() == 4
    unsold = Auction.objects.get(status=AuctionStatus.UNSOLD)
    assert unsold.current_price < unsold.reserve_price
    assert all(a.starts_at > a.created_at for a in Auction.objects.filter(status=AuctionStatus.SCHEDULED))
    assert "12 horse(s) added" in out.getvalue()


def test_demo_catalogue_is_idempotent(demo_users):
    seed_catalogue(users=demo_users)
    counts = (Horse.objects.count(), Auction.objects.count())
    seed_catalogue(users=demo_users)
    assert (Horse.objects.count(), Auction.objects.count()) == counts


def test_demo_catalogue_without_bidders_skips_the_results(demo_users):
    seed_catalogue(users={"auctioneer": demo_users["auctioneer"]})
    statuses = set(Auction.objects.values_list("status", flat=True))
    assert statuses == {"draft", "scheduled", "active", "cancelled"}
    assert not Auction.objects.filter(bid_count__gt=0).exists()
