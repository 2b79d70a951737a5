import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from bidding.services import bid_place
from tests.bidding.factories import ActiveAuctionFactory


@pytest.fixture
def auction(db):
    return ActiveAuctionFactory()


@pytest.fixture
def anonymous():
    return AnonymousUser()


def place(auction, user, amount, key=None, **kwargs):
    return bid_place(auction_id=auction.pk, user=user, amount=amount, idempotency_key=key or uuid.uuid4(), **kwargs)
