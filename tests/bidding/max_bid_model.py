"""Rule 10 as a reference model: a plain replay of a list of actions, independent of the services.

An action is ("bid", bidder, amount), ("max", bidder, amount) or ("withdraw", bidder, None). The replay answers,
after each action, what the real service should have done: its refusal code (or None), and the lot's price, leader
and whole bid sequence [(bidder, amount, "manual" | "auto"), ...].
"""

from dataclasses import dataclass, field

from auctions.increments import DEFAULT_INCREMENT_TABLE, min_next_bid


@dataclass
class Lot:
    start_price: int
    table: list = field(default_factory=lambda: DEFAULT_INCREMENT_TABLE)
    price: int | None = None
    leader: object = None
    bids: list = field(default_factory=list)
    maxima: dict = field(default_factory=dict)  # bidder -> (amount, when it was first set)

    def next_bid(self, price):
        return min_next_bid(start_price=self.start_price, current_price=price, table=self.table)

    def bid(self, who, amount, kind="auto"):
        assert self.price is None or amount > self.price, "every bid is strictly higher than the one before"
        self.bids.append((who, amount, kind))
        self.price, self.leader = amount, who

    def beats(self, a, b):
        """Maximum a beats maximum b: higher, or equal and earlier."""
        (amount_a, when_a), (amount_b, when_b) = self.maxima[a], self.maxima[b]
        return amount_a > amount_b or (amount_a == amount_b and when_a < when_b)

    def settle(self):
        """The maxima bid until no one who can still make a valid bid is left behind the leader."""
        while True:
            waiting = [w for w, (m, _) in self.maxima.items() if w != self.leader and m >= self.next_bid(self.price)]
            if not waiting:
                return
            challenger = waiting[0]
            for other in waiting[1:]:
                challenger = other if self.beats(other, challenger) else challenger
            leader = self.leader
            leader_max = self.maxima.get(leader, (0, 0))[0]
            if leader_max < self.next_bid(self.price):  # the leader has no maximum left to answer with
                self.bid(challenger, min(self.maxima[challenger][0], self.next_bid(self.price)))
                continue
            winner, loser = (leader, challenger) if self.beats(leader, challenger) else (challenger, leader)
            top, second = self.maxima[winner][0], self.maxima[loser][0]
            if top == second:
                self.bid(winner, top)
                continue
            if loser != leader:
                self.bid(loser, second)
            self.bid(winner, min(top, self.next_bid(second)))


def replay(actions, *, start_price: int):
    """Yields (code, price, leader, bids) after each action."""
    lot = Lot(start_price=start_price)
    for when, (kind, who, amount) in enumerate(actions):
        code = None
        current = lot.maxima.get(who)
        if kind == "bid":
            leader_max = lot.maxima.get(lot.leader, (None,))[0]
            if who == lot.leader:
                code = "already_highest"
            elif amount < lot.next_bid(lot.price):
                code = "bid_too_low"
            elif amount == leader_max:
                code = "outbid_by_max"  # the earlier maximum leads at that amount
                lot.bid(lot.leader, amount)
            else:
                lot.bid(who, amount, "manual")
                lot.settle()
        elif kind == "max":
            if current and amount < current[0]:
                code = "max_bid_lowered"
            elif amount < lot.next_bid(lot.price):
                code = "bid_too_low"
            else:
                lot.maxima[who] = (amount, current[1] if current else when)
                lot.settle()
        elif kind == "withdraw":
            if current is None:
                code = "max_bid_not_found"
            elif who == lot.leader:
                code = "max_bid_leading"
            else:
                del lot.maxima[who]
        yield code, lot.price, lot.leader, list(lot.bids)
