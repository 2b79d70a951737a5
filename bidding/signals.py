"""Domain events of the bidding engine, delivered through the outbox (see auctions.signals for the contract)."""

from auctions.signals import DomainSignal

bid_accepted = DomainSignal("bid_accepted")  # auction_id, bid_id, bidder_id, outbid_user_id (None for the first)
