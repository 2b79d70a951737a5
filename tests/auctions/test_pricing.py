"""Rule 11: what the buyer pays, in whole yen. Worked by hand, each row: premium = floor(hammer × rate),
tax = floor((hammer + premium) × 10 %), total = hammer + premium + tax."""

from decimal import Decimal

import pytest

from auctions.pricing import buyer_total
from tests.auctions.factories import ActiveAuctionFactory, SaleFactory

WORKED_EXAMPLES = [
    # hammer, premium rate, premium, tax, total
    (1_000_000, "0.05", 50_000, 105_000, 1_155_000),  # the plain case
    (10_000, "0.05", 500, 1_050, 11_550),
    (1_234_567, "0.05", 61_728, 129_629, 1_425_924),  # 61,728.35 → 61,728; 129,629.5 → 129,629
    (999_999, "0.05", 49_999, 104_999, 1_154_997),  # 49,999.95 → 49,999; 104,999.8 → 104,999
    (19, "0.05", 0, 1, 20),  # 0.95 → 0; 1.9 → 1
    (20, "0.05", 1, 2, 23),  # exactly 1: no rounding at all
    (1, "0.05", 0, 0, 1),
    (0, "0.05", 0, 0, 0),
    (100, "0.29", 29, 12, 141),  # in binary floats 100 × 0.29 is 28.999…: Decimal keeps it 29
    (3_333_333, "0.075", 249_999, 358_333, 3_941_665),  # 249,999.975 → 249,999; 358,333.2 → 358,333
    (5_000_000, "0", 0, 500_000, 5_500_000),  # a sale without premium still charges the tax
    (2_500_000_000, "0.05", 125_000_000, 262_500_000, 2_887_500_000),  # ¥2.5 billion: no overflow, no float
]


@pytest.mark.parametrize(("hammer", "rate", "premium", "tax", "total"), WORKED_EXAMPLES)
def test_the_buyers_total_matches_the_worked_example(hammer, rate, premium, tax, total):
    bill = buyer_total(hammer, premium_rate=Decimal(rate))
    assert (bill.buyer_premium, bill.consumption_tax, bill.total) == (premium, tax, total)
    assert bill.total == bill.hammer_price + bill.buyer_premium + bill.consumption_tax
    assert all(isinstance(value, int) for value in (bill.buyer_premium, bill.consumption_tax, bill.total))


@pytest.mark.parametrize("hammer", [-1, 1.5, "100", True, None])
def test_a_hammer_price_that_is_not_whole_yen_is_refused(hammer):
    with pytest.raises(ValueError):
        buyer_total(hammer, premium_rate=Decimal("0.05"))


def test_the_rates_go_on_the_wire_as_exact_decimal_strings():
    bill = buyer_total(1_000_000, premium_rate=Decimal("0.0500")).as_dict()
    assert (bill["buyer_premium_rate"], bill["consumption_tax_rate"]) == ("0.05", "0.1")


@pytest.mark.django_db
def test_a_lots_detail_carries_the_rates_and_the_total_for_an_amount(api):
    auction = ActiveAuctionFactory(sale=SaleFactory(buyer_premium_rate=Decimal("0.075")))

    body = api.get(f"/api/auctions/{auction.pk}/?for_amount=3333333").json()

    assert (body["buyer_premium_rate"], body["consumption_tax_rate"]) == ("0.075", "0.1")
    assert body["buyer_total"] == {
        "hammer_price": 3_333_333,
        "buyer_premium_rate": "0.075",
        "buyer_premium": 249_999,
        "consumption_tax_rate": "0.1",
        "consumption_tax": 358_333,
        "total": 3_941_665,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5", "1.5", "abc", "１００", "10000000000000"])
def test_a_bad_amount_for_the_total_is_a_400_with_a_code(api, amount):
    auction = ActiveAuctionFactory()
    response = api.get(f"/api/auctions/{auction.pk}/", {"for_amount": amount})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        "invalid_amount",
        "for_amount",
    )
