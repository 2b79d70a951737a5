"""The step grid of the default increment table, at its boundaries."""

import pytest

from auctions.increments import increment_for, is_on_grid, min_next_bid, round_up_to_grid, validate_increment_table


@pytest.mark.parametrize(
    ("price", "step"),
    [
        (0, 10_000),
        (990_000, 10_000),
        (999_999, 10_000),
        (1_000_000, 100_000),
        (9_900_000, 100_000),
        (10_000_000, 500_000),
        (49_500_000, 500_000),
        (50_000_000, 1_000_000),
        (300_000_000, 1_000_000),
    ],
)
def test_increment_tier_at_each_boundary(price, step):
    assert increment_for(price) == step


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (None, 500_000),  # first bid: the start price
        (500_000, 510_000),
        (990_000, 1_000_000),  # crosses into the 100,000 tier exactly
        (995_000, 1_100_000),  # off-grid current price rounds up onto the coarser grid
        (9_900_000, 10_000_000),
        (10_000_000, 10_500_000),
        (49_500_000, 50_000_000),
        (50_000_000, 51_000_000),
    ],
)
def test_min_next_bid(current, expected):
    assert min_next_bid(start_price=500_000, current_price=current) == expected


def test_grid_membership():
    assert is_on_grid(1_000_000)
    assert is_on_grid(1_100_000)
    assert not is_on_grid(1_050_000)
    assert is_on_grid(990_000)
    assert not is_on_grid(995_001)
    assert round_up_to_grid(1_050_000) == 1_100_000
    assert round_up_to_grid(9_950_000) == 10_000_000


def test_a_custom_table_applies():
    table = [[100_000, 1_000], [None, 50_000]]
    assert min_next_bid(start_price=10_000, current_price=99_000, table=table) == 100_000
    assert min_next_bid(start_price=10_000, current_price=100_000, table=table) == 150_000


@pytest.mark.parametrize(
    "table",
    [
        [],
        [[None, 0]],
        [[1000, 10], [500, 5], [None, 1]],
        [[1000, 10]],
        "nope",
        [[1000, 10, 3], [None, 1]],
        [[True, 1], [None, 2]],
    ],
)
def test_malformed_tables_are_refused(table):
    with pytest.raises(ValueError):
        validate_increment_table(table)
