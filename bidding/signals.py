"""Domain events of the bidding engine, sent after commit (see auctions.signals for the contract)."""

from django.dispatch import Signal

bid_accepted = Signal()  # auction_id, bid_id, bidder_id, outbid_user_id (None for the first bid)
