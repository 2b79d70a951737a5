"""Drafts are the organizers' alone everywhere (issue 12): nobody else can follow one, or learn it exists."""

import pytest

from tests.auctions.factories import AuctionFactory
from tests.conftest import client_for


@pytest.mark.django_db
def test_a_draft_cannot_be_followed_but_by_an_organizer(bidder, auctioneer):
    draft = AuctionFactory()
    assert client_for(bidder).post(f"/api/auctions/{draft.pk}/watch/").status_code == 404
    assert client_for(auctioneer).post(f"/api/auctions/{draft.pk}/watch/").status_code == 201
