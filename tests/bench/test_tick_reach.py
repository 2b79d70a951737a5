"""The bench's count of timer ticks: those stamped within the bidding, each of which every socket of its room must
get. The load processes record every tick; the window is applied once, by the orchestrator's clock, so a tick
that reached a load process before its "start" command did is counted like any other."""

from collections import Counter

from bench.report import tick_reach

BIDDING = (1_000.0, 1_060.0)  # time.time() of its start and end


def test_only_ticks_stamped_within_the_bidding_are_counted_each_against_its_rooms_sockets():
    rooms = Counter({7: 3, 8: 2})
    reach = {
        ("timer", 7, 999_990): [1, 5.0],  # before the bidding: a room still joining
        ("timer", 7, 1_000_000): [3, 5.0],  # stamped as the bidding began
        ("timer", 8, 1_030_000): [2, 4.0],
        ("timer", 8, 1_060_500): [2, 4.0],  # after it
        ("update", 11): [5, 9.0],  # not a tick
    }

    counted = tick_reach(reach, rooms, BIDDING)

    assert counted == {"ticks": 2, "delivered": 5, "expected": 5, "short": [], "ratio": 1.0}


def test_a_tick_that_missed_sockets_is_listed_with_how_many_got_it():
    rooms = Counter({7: 2500})
    reach = {("timer", 7, 1_010_000): [2500, 3.0], ("timer", 7, 1_011_000): [1250, 3.0]}

    counted = tick_reach(reach, rooms, BIDDING)

    assert counted["delivered"] == 3750 and counted["expected"] == 5000
    assert counted["short"] == [[1250, 2500]]
    assert counted["ratio"] == 0.75
