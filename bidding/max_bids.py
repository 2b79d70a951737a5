"""Rule 10's arithmetic: which automatic bids the standing maxima place now, and at what amounts. Pure: no
database, no clock. bidding.services asks it under the auction's row lock and writes what it answers."""

from collections.abc import Iterable
from dataclasses import dataclass

from auctions.increments import IncrementTable, min_next_bid


@dataclass(frozen=True)
class Standing:
    """One standing maximum: its owner, its amount, and its place in time (`order`: lower is earlier)."""

    owner_id: int
    max_amount: int
    order: tuple


def _strength(maximum: Standing) -> tuple:
    """Sorts the strongest first: the higher maximum, then the earlier one."""
    return (-maximum.max_amount, maximum.order)


def automatic_bids(
    *,
    price: int | None,
    leader_id: int | None,
    start_price: int,
    table: IncrementTable,
    maxima: Iterable[Standing],
) -> list[tuple[int, int]]:
    """The (owner, amount) bids the maxima place now, in order, each strictly above the one before.

    Repeatedly: the strongest maximum that does not lead and can still make a valid bid challenges the leader.
    If the leader's own maximum is stronger it answers at the lowest valid amount that beats the challenger's
    maximum (the challenger having bid its maximum first, unless the two are equal); otherwise the challenger
    takes the lead at the lowest valid amount over the leader's maximum, or one step over the price."""
    maxima = list(maxima)
    by_owner = {m.owner_id: m for m in maxima}
    bids: list[tuple[int, int]] = []

    def next_after(amount):
        return min_next_bid(start_price=start_price, current_price=amount, table=table)

    while True:
        minimum = next_after(price)
        rivals = [m for m in maxima if m.owner_id != leader_id and m.max_amount >= minimum]
        if not rivals:
            return bids
        rival = min(rivals, key=_strength)
        defender = by_owner.get(leader_id) if leader_id is not None else None
        if defender is not None and defender.max_amount < minimum:
            defender = None  # spent: it cannot bid again
        if defender is not None and _strength(defender) < _strength(rival):
            winner, loser = defender, rival
        else:
            winner, loser = rival, defender
        if loser is None:
            amount = min(winner.max_amount, minimum)
        elif loser.max_amount == winner.max_amount:
            amount = winner.max_amount  # equal maxima: the earlier leads at that amount
        else:
            if loser.owner_id != leader_id:  # a leader never bids over itself; its maximum just sets the price
                bids.append((loser.owner_id, loser.max_amount))
            amount = min(winner.max_amount, next_after(loser.max_amount))
        bids.append((winner.owner_id, amount))
        price, leader_id = amount, winner.owner_id
