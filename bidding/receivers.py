"""What the socket rooms react to from the layers below."""

from django.dispatch import receiver

from accounts.signals import standing_lowered
from auctions.events import send_command_now, user_group


@receiver(standing_lowered, dispatch_uid="bidding.revoke_sessions")
def revoke_open_sessions(*, user_id: int, **kwargs) -> None:
    """A deactivated, demoted or un-approved user's open sockets close at once (the bid service re-reads the
    standing anyway; this ends the session that still shows them as a bidder)."""
    send_command_now(user_group(user_id), "session.revoke")
