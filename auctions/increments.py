"""The bid step grid.

A tiered table of (upper bound, step): below the bound the step applies. The last tier has no bound.
An amount is on the grid when it is a multiple of the step of the tier it falls in; the first bid may also be
exactly the start price, wherever that lies.
"""

from collections.abc import Sequence

# (below this price, step), in yen. None: no upper bound.
DEFAULT_INCREMENT_TABLE: list[list[int | None]] = [
    [1_000_000, 10_000],
    [10_000_000, 100_000],
    [50_000_000, 500_000],
    [None, 1_000_000],
]

IncrementTable = Sequence[Sequence[int | None]]


def validate_increment_table(table: IncrementTable) -> None:
    """Raises ValueError unless the table is well formed: ascending bounds, positive steps, open last tier."""
    if not isinstance(table, list | tuple) or not table:
        raise ValueError("the increment table must be a non-empty list of [upper_bound, step] pairs")
    previous = 0
    for index, tier in enumerate(table):
        if not isinstance(tier, list | tuple) or len(tier) != 2:
            raise ValueError("each tier must be a pair [upper_bound, step]")
        bound, step = tier
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            raise ValueError("each step must be a positive integer")
        last = index == len(table) - 1
        if last and bound is not None:
            raise ValueError("the last tier must have no upper bound (null)")
        if not last:
            if not isinstance(bound, int) or isinstance(bound, bool) or bound <= previous:
                raise ValueError("upper bounds must be ascending positive integers")
            previous = bound


def increment_for(price: int, table: IncrementTable = DEFAULT_INCREMENT_TABLE) -> int:
    """The step that applies at this price."""
    for bound, step in table:
        if bound is None or price < bound:
            return int(step)
    raise ValueError("increment table has no open last tier")


def is_on_grid(amount: int, table: IncrementTable = DEFAULT_INCREMENT_TABLE) -> bool:
    return amount % increment_for(amount, table) == 0


def round_up_to_grid(amount: int, table: IncrementTable = DEFAULT_INCREMENT_TABLE) -> int:
    """The smallest amount on the grid that is >= amount."""
    step = increment_for(amount, table)
    rounded = -(-amount // step) * step
    # Rounding up may cross into the next tier, whose grid is coarser; settle there.
    return rounded if increment_for(rounded, table) == step else round_up_to_grid(rounded, table)


def min_next_bid(
    *, start_price: int, current_price: int | None, table: IncrementTable = DEFAULT_INCREMENT_TABLE
) -> int:
    """The lowest acceptable next bid: the start price for the first bid, else one step up, on the grid."""
    if current_price is None:
        return start_price
    return round_up_to_grid(current_price + increment_for(current_price, table), table)
