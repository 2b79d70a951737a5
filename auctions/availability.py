"""Rule 12, an outage never closes a lot: the platform records when it could take bids, and the close asks.

`availability_beat` is called by each part that must be alive for bids to be taken (the close sweep; the socket
servers after each successful probe of the channel layer). A silence longer than OUTAGE_GAP_SECONDS, noticed at
the next beat, is recorded as an Outage from the last beat to this one: PostgreSQL down (nothing could be
written), Redis down (no probe got through, no task reached the closer), the servers or the closer stopped.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Availability, Outage

logger = logging.getLogger(__name__)


def availability_beat(*, source: str, now: datetime | None = None) -> Outage | None:
    """Record a sign of life of `source`; returns the Outage it ends, if the silence before it was too long."""
    if not settings.OUTAGE_RULE_ENABLED:
        return None
    now = now or timezone.now()
    gap = timedelta(seconds=settings.OUTAGE_GAP_SECONDS)
    with transaction.atomic():
        row = Availability.objects.select_for_update().filter(source=source).first()
        if row is None:
            Availability.objects.create(source=source, last_seen=now)
            return None
        outage = None
        if now - row.last_seen > gap:
            outage = Outage.objects.create(source=source, started_at=row.last_seen, ended_at=now)
            logger.warning("outage of %s recorded: %s to %s", source, row.last_seen.isoformat(), now.isoformat())
        if now > row.last_seen:
            row.last_seen = now
            row.save(update_fields=["last_seen"])
    return outage


def outage_ending_after(*, moment: datetime, before: datetime, not_before: datetime | None = None) -> Outage | None:
    """The outage that ended last among those that overlap (moment, before]: bidding was impossible then.
    `not_before`: only outages that began at or after it (the lot's start: a silence that was already going on
    when the lot's clock began is the platform before it ran, e.g. the demo data seeded before `make run`)."""
    if not settings.OUTAGE_RULE_ENABLED:
        return None
    outages = Outage.objects.filter(ended_at__gt=moment, started_at__lt=before)
    if not_before is not None:
        outages = outages.filter(started_at__gte=not_before)
    return outages.order_by("-ended_at").first()
