"""Domain events, for the apps above to react to (notifications subscribe in their AppConfig.ready), delivered
at least once through an outbox.

`send_on_commit` writes the event (a DomainEvent row) in the transaction of the change that caused it, so a
receiver never hears of a start or a close that was rolled back, and never misses one that committed: the event
is delivered after the commit and, if any receiver failed (the Celery broker away, say), again by the beat sweep
(`deliver_pending`) until all took it. Receivers must therefore be idempotent; the notification tasks are.

Signals of the layers above register here by name (bidding.signals.bid_accepted), so the sweep can find them.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import DomainEvent

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, "DomainSignal"] = {}

# An event not delivered after its commit waits this long before the sweep tries it (its own delivery is faster).
SWEEP_AFTER = timedelta(seconds=5)
KEEP_DELIVERED = timedelta(days=7)


class DomainSignal(Signal):
    def __init__(self, name: str):
        super().__init__()
        self.name = name
        _REGISTRY[name] = self


lot_started = DomainSignal("lot_started")  # auction_id
lot_closed = DomainSignal("lot_closed")  # auction_id, status ("sold" | "unsold")


def send_on_commit(signal: DomainSignal, **payload) -> DomainEvent:
    """Record the event in the current transaction and deliver it once that commits."""
    event = DomainEvent.objects.create(name=signal.name, payload=payload)
    # Delivered from the row as written, not read back: it is this transaction's own, and nobody else's before
    # the sweep's SWEEP_AFTER (a receiver hearing it twice then is harmless: they are idempotent).
    transaction.on_commit(lambda: _deliver(event), robust=True)
    return event


def deliver(event_id: int) -> bool:
    """Send one recorded event to its receivers (each in isolation: `send_robust`). Marked delivered only when
    all took it; a failure stays for the sweep. No lock is held meanwhile: a receiver may do network I/O."""
    event = DomainEvent.objects.filter(pk=event_id, delivered_at__isnull=True).first()
    if event is None:
        return False
    return _deliver(event)


def _deliver(event: DomainEvent) -> bool:
    signal = _REGISTRY.get(event.name)
    if signal is None:
        logger.error("domain event %s: no signal named %r", event.pk, event.name)
        return False
    failures = [
        result
        for _receiver, result in signal.send_robust(sender=DomainEvent, **event.payload)
        if isinstance(result, Exception)
    ]
    if failures:
        DomainEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1, last_error=repr(failures[0])[:500])
        logger.warning("domain event %s (%s) not delivered yet: %r", event.pk, event.name, failures[0])
        return False
    DomainEvent.objects.filter(pk=event.pk).update(delivered_at=timezone.now(), attempts=event.attempts + 1)
    return True


def deliver_pending(*, limit: int = 500) -> int:
    """The sweep: deliver what is still pending, oldest first; forget what was delivered long ago."""
    now = timezone.now()
    pending = list(
        DomainEvent.objects.filter(delivered_at__isnull=True, created_at__lte=now - SWEEP_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = sum(deliver(event_id) for event_id in pending)
    DomainEvent.objects.filter(delivered_at__lt=now - KEEP_DELIVERED).delete()
    return delivered
