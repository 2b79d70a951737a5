"""Domain events of the lot's lifecycle, for the apps above to react to (notifications subscribe in their
AppConfig.ready). They are sent only after the transaction that caused them commits, so a receiver never hears
of a start or a close that was rolled back; a receiver's failure is logged and never undoes the change.

Each carries `auction_id` as a keyword argument; `sender` is the Auction model.
"""

from django.db import transaction
from django.dispatch import Signal

lot_started = Signal()  # auction_id
lot_closed = Signal()  # auction_id, status ("sold" | "unsold")


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside one), with `send_robust`, so one
    failing receiver neither stops the others nor reaches the caller."""
    transaction.on_commit(lambda: signal.send_robust(sender=sender, **kwargs), robust=True)
