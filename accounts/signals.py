"""Domain events of accounts, for the layers above (the socket rooms close a session whose standing fell).

`standing_lowered` is sent after commit when a user was deactivated, lost the bidder role, or lost the approval
to bid: whatever they had open must stop acting on the standing they signed in with.
"""

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver

from .models import Role, User

standing_lowered = Signal()  # user_id

STANDING_FIELDS = ("is_active", "role", "is_approved_to_bid")


def _may_bid(values: dict) -> bool:
    return values["is_active"] and values["role"] == Role.BIDDER and values["is_approved_to_bid"]


@receiver(pre_save, sender=User, dispatch_uid="accounts.standing_before")
def _remember_standing(sender, instance: User, update_fields=None, **kwargs) -> None:
    instance._standing_before = None
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(STANDING_FIELDS)):
        return  # a new user, or a save that cannot change the standing (last_login at every sign-in)
    instance._standing_before = User.objects.filter(pk=instance.pk).values(*STANDING_FIELDS).first()


@receiver(post_save, sender=User, dispatch_uid="accounts.standing_after")
def _announce_lowered_standing(sender, instance: User, created: bool, **kwargs) -> None:
    before = getattr(instance, "_standing_before", None)
    if created or before is None:
        return
    after = {field: getattr(instance, field) for field in STANDING_FIELDS}
    lowered = (before["is_active"] and not after["is_active"]) or (_may_bid(before) and not _may_bid(after))
    if lowered:
        user_id = instance.pk
        transaction.on_commit(lambda: standing_lowered.send_robust(sender=User, user_id=user_id), robust=True)
