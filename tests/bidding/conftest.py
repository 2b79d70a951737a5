import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from bidding.services import bid_place
from tests.bidding.events import RoomListener
from tests.bidding.factories import ActiveAuctionFactory


@pytest.fixture
def auction(db):
    return ActiveAuctionFactory()


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def listen():
    """Listens to an auction room for the rest of the test."""
    listeners = []

    def listen(auction_id: int) -> RoomListener:
        listeners.append(RoomListener(auction_id))
        return listeners[-1]

    yield listen
    for listener in listeners:
        listener.close()


def place(auction, user, amount, key=None, **kwargs):
    return bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=key or uuid.uuid4(), **kwargs)
