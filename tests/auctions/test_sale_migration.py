"""The migration that gave lots their sales: each former sale day becomes one sale, and every lot keeps its number."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("auctions", "0006_domain_event_outbox")]
AFTER = [("auctions", "0009_sale_owns_lot_numbers")]


@pytest.mark.django_db(transaction=True)
def test_each_sale_day_becomes_one_sale_and_lots_keep_their_numbers():
    executor = MigrationExecutor(connection)
    # The catalogue as it is today (its own migrations are not this test's subject), the lots before their sales.
    before = BEFORE + [node for node in executor.loader.graph.leaf_nodes() if node[0] == "horses"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    horse_model, auction_model = old.get_model("horses", "Horse"), old.get_model("auctions", "Auction")
    days = {date(2026, 7, 14): [1, 2, 3], date(2026, 7, 15): [1, 2]}
    for day, numbers in days.items():
        for number in numbers:
            horse = horse_model.objects.create(
                name=f"馬{day.day}-{number}", sex="colt", colour="bay", foaling_year=2024, sire="S", dam="D"
            )
            auction_model.objects.create(sale_date=day, lot_number=number, horse=horse, start_price=1_000_000)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    sale_model, auction_model = new.get_model("auctions", "Sale"), new.get_model("auctions", "Auction")

    sales = {sale.starts_on: sale for sale in sale_model.objects.all()}
    assert set(sales) == set(days)
    for day, numbers in days.items():
        lots = auction_model.objects.filter(sale=sales[day]).order_by("lot_number")
        assert [lot.lot_number for lot in lots] == numbers
        assert sales[day].ends_on == day
        assert str(sales[day].buyer_premium_rate) == "0.0500"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as the rest of the suite expects it
