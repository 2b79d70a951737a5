"""The tamper-evident audit log (rule 7).

Each entry's hash covers its own fields and the previous entry's hash in the same auction, so altering, removing or
reordering any row breaks every hash after it. Callers must hold the auction's row lock (SELECT ... FOR UPDATE):
that is what keeps a chain linear.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.utils import timezone

from .models import AuditEntry

GENESIS_HASH = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "auction": entry.auction_id,
        "sequence": entry.sequence,
        "action": entry.action,
        "outcome": entry.outcome,
        "actor": entry.actor_id,
        "reason": entry.reason,
        "data": entry.data,
        "client_address": entry.client_address,
        "recorded_at": entry.recorded_at.isoformat(timespec="microseconds"),
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def audit_record(
    *,
    auction,
    action: str,
    actor=None,
    outcome: str = "ok",
    reason: str = "",
    data: dict | None = None,
    client_address: str | None = None,
    recorded_at=None,
) -> AuditEntry:
    """Append one entry to the auction's chain. Should be called while holding the auction's row lock."""
    last = (
        AuditEntry.objects.filter(auction_id=auction.pk).order_by("-sequence").values("sequence", "entry_hash").first()
    )
    entry = AuditEntry(
        auction_id=auction.pk,
        sequence=(last["sequence"] + 1) if last else 1,
        action=action,
        outcome=outcome,
        actor_id=getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None,
        reason=str(reason)[:500],
        data=json.loads(json.dumps(data or {}, default=str)),
        client_address=client_address or None,
        recorded_at=(recorded_at or timezone.now()).astimezone(datetime.UTC),
        previous_hash=last["entry_hash"] if last else GENESIS_HASH,
    )
    entry.entry_hash = entry_hash(entry)
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainReport:
    auction_id: int
    entries: int
    ok: bool
    broken_at: int | None = None
    problem: str = ""


def audit_verify_chain(*, auction_id: int) -> ChainReport:
    """Recompute every hash of one auction's chain; report the first entry that does not fit."""
    expected_previous = GENESIS_HASH
    count = 0
    for count, entry in enumerate(AuditEntry.objects.filter(auction_id=auction_id).order_by("sequence"), start=1):
        if entry.sequence != count:
            return ChainReport(auction_id, count, False, entry.sequence, "sequence gap")
        if entry.previous_hash != expected_previous:
            return ChainReport(auction_id, count, False, entry.sequence, "previous hash does not match")
        if entry_hash(entry) != entry.entry_hash:
            return ChainReport(auction_id, count, False, entry.sequence, "entry hash does not match its contents")
        expected_previous = entry.entry_hash
    return ChainReport(auction_id, count, True)


def audited_auction_ids() -> list[int]:
    return list(AuditEntry.objects.order_by("auction_id").values_list("auction_id", flat=True).distinct())
