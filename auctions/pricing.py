"""What the buyer pays (DESIGN.md rule 11), in whole yen: the hammer price, the sale's buyer's premium
`floor(hammer × rate)` and consumption tax (消費税) `floor((hammer + premium) × 10 %)`, each rounded down once.

Pure arithmetic on integers and Decimals (never floats: 0.05 is not exact in binary), no database."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

# The standard rate of 消費税; racehorses are not among the goods taxed at the reduced 8 %.
CONSUMPTION_TAX_RATE = Decimal("0.10")


@dataclass(frozen=True)
class BuyerTotal:
    hammer_price: int
    buyer_premium_rate: Decimal
    buyer_premium: int
    consumption_tax_rate: Decimal
    consumption_tax: int
    total: int

    def as_dict(self) -> dict:
        return {
            "hammer_price": self.hammer_price,
            "buyer_premium_rate": rate_text(self.buyer_premium_rate),
            "buyer_premium": self.buyer_premium,
            "consumption_tax_rate": rate_text(self.consumption_tax_rate),
            "consumption_tax": self.consumption_tax,
            "total": self.total,
        }


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def rate_text(rate: Decimal) -> str:
    """A rate as the wire carries it: an exact decimal string, "0.05" or "0.1" (never a binary float)."""
    text = format(Decimal(rate).normalize(), "f")
    return text


def buyer_premium(hammer_price: int, rate: Decimal) -> int:
    return _floor(Decimal(hammer_price) * Decimal(rate))


def consumption_tax(taxable: int, rate: Decimal = CONSUMPTION_TAX_RATE) -> int:
    return _floor(Decimal(taxable) * Decimal(rate))


def buyer_total(hammer_price: int, *, premium_rate: Decimal, tax_rate: Decimal = CONSUMPTION_TAX_RATE) -> BuyerTotal:
    """The buyer's bill for a hammer price. Raises ValueError for anything but a whole number of yen ≥ 0."""
    if isinstance(hammer_price, bool) or not isinstance(hammer_price, int) or hammer_price < 0:
        raise ValueError("the hammer price is a whole number of yen, at least 0")
    premium_rate, tax_rate = Decimal(premium_rate), Decimal(tax_rate)
    premium = buyer_premium(hammer_price, premium_rate)
    tax = consumption_tax(hammer_price + premium, tax_rate)
    return BuyerTotal(
        hammer_price=hammer_price,
        buyer_premium_rate=premium_rate,
        buyer_premium=premium,
        consumption_tax_rate=tax_rate,
        consumption_tax=tax,
        total=hammer_price + premium + tax,
    )
