"""GET /api/reports/results.csv: one row per lot, ready for Excel."""

from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest

from bidding.reports.queries import RESULTS_HEADER
from tests.accounts.factories import BidderFactory, UserFactory
from tests.bidding.factories import ActiveAuctionFactory, HorseFactory

from .conftest import as_dicts, read_csv
from .factories import ScheduledAuctionFactory, SoldAuctionFactory, UnsoldAuctionFactory

pytestmark = pytest.mark.django_db

URL = "/api/reports/results.csv"


def test_a_sold_lot_has_every_column_in_excel_ready_form(staff_client):
    consignor = UserFactory(username="farm", last_name="社台", first_name="ファーム")
    winner = BidderFactory(paddle_number=321, last_name="山田", first_name="太郎")
    horse = HorseFactory(
        name="キタサンブラック2024",
        sire="キタサンブラック",
        dam="シュガーハート",
        dams_sire="サクラバクシンオー",
        consignor=consignor,
    )
    SoldAuctionFactory(
        horse=horse,
        sale_date=date(2026, 7, 14),
        lot_number=12,
        start_price=5_000_000,
        reserve_price=10_000_000,
        hammer_price=123_450_000,
        winner=winner,
        bid_count=31,
        extension_count=2,
        started_at=datetime(2026, 7, 14, 1, 0, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 14, 1, 12, 30, tzinfo=UTC),
        closed_at=datetime(2026, 7, 14, 1, 12, 31, tzinfo=UTC),
    )

    response = staff_client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert tuple(rows[0]) == RESULTS_HEADER
    [row] = as_dicts(rows)
    assert row == {
        "Sale date": "2026-07-14",
        "Lot": "12",
        "Auction ID": row["Auction ID"],
        "Horse": "キタサンブラック2024",
        "Sire": "キタサンブラック",
        "Dam": "シュガーハート",
        "Dam's sire": "サクラバクシンオー",
        "Consignor": "社台 ファーム",
        "Status": "sold",
        "Start price (JPY)": "5000000",
        "Reserve price (JPY)": "10000000",
        "Hammer price (JPY)": "123450000",
        "Winner paddle": "321",
        "Winner": "山田 太郎",
        "Reserve met": "yes",
        "Bids": "31",
        "Extensions": "2",
        "Started at (JST)": "2026-07-14T10:00:00.000000+09:00",
        "Ends at (JST)": "2026-07-14T10:12:30.000000+09:00",
        "Closed at (JST)": "2026-07-14T10:12:31.000000+09:00",
    }


def test_the_body_starts_with_a_bom_and_lines_end_in_crlf(staff_client):
    SoldAuctionFactory()

    body = b"".join(staff_client.get(URL).streaming_content)

    assert body[:3] == b"\xef\xbb\xbf"
    assert body.count(b"\r\n") == 2
    assert body.endswith(b"\r\n")


def test_japanese_text_survives_the_round_trip(staff_client):
    SoldAuctionFactory(
        horse=HorseFactory(name="ドウデュース産駒・牝", sire="ドゥラメンテ", dam="ダストアンドダイヤモンズ")
    )

    [row] = as_dicts(read_csv(staff_client.get(URL)))

    assert (row["Horse"], row["Sire"], row["Dam"]) == (
        "ドウデュース産駒・牝",
        "ドゥラメンテ",
        "ダストアンドダイヤモンズ",
    )


def test_a_horse_name_that_is_a_formula_is_neutralised(staff_client):
    SoldAuctionFactory(horse=HorseFactory(name='=HYPERLINK("http://x","y")', sire="@SUM(1+1)", dam="-2+3"))

    response = staff_client.get(URL)
    body = b"".join(response.streaming_content)

    assert b'"\'=HYPERLINK(""http://x"",""y"")"' in body
    [row] = as_dicts(read_csv(staff_client.get(URL)))
    assert row["Horse"] == '\'=HYPERLINK("http://x","y")'
    assert row["Sire"] == "'@SUM(1+1)"
    assert row["Dam"] == "'-2+3"


def test_an_unsold_lot_shows_no_winner_and_whether_the_reserve_was_met(staff_client):
    UnsoldAuctionFactory(start_price=1_000_000, reserve_price=20_000_000, current_price=15_000_000, bid_count=4)
    UnsoldAuctionFactory(start_price=1_000_000, current_price=None, bid_count=0)

    first, second = as_dicts(read_csv(staff_client.get(URL)))

    assert (first["Status"], first["Hammer price (JPY)"], first["Winner"], first["Winner paddle"]) == (
        "unsold",
        "",
        "",
        "",
    )
    assert first["Reserve met"] == "no"
    assert second["Reserve met"] == "no"
    assert second["Reserve price (JPY)"] == ""


def test_lots_come_in_sale_date_and_lot_order(staff_client):
    SoldAuctionFactory(sale_date=date(2026, 7, 15), lot_number=1)
    SoldAuctionFactory(sale_date=date(2026, 7, 14), lot_number=2)
    SoldAuctionFactory(sale_date=date(2026, 7, 14), lot_number=1)

    rows = as_dicts(read_csv(staff_client.get(URL)))

    assert [(r["Sale date"], r["Lot"]) for r in rows] == [("2026-07-14", "1"), ("2026-07-14", "2"), ("2026-07-15", "1")]


def test_status_filter_takes_one_or_several_statuses(staff_client):
    SoldAuctionFactory()
    UnsoldAuctionFactory()
    ActiveAuctionFactory()
    ScheduledAuctionFactory()

    sold = as_dicts(read_csv(staff_client.get(URL, {"status": "sold"})))
    closed = as_dicts(read_csv(staff_client.get(URL, {"status": "sold,unsold"})))

    assert [r["Status"] for r in sold] == ["sold"]
    assert sorted(r["Status"] for r in closed) == ["sold", "unsold"]


@pytest.mark.parametrize("value", ["won", "sold,nope", ",", "SOLD"])
def test_an_unknown_status_is_refused_with_a_code(staff_client, value):
    response = staff_client.get(URL, {"status": value})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_status"
    assert response.json()["field"] == "status"


def test_the_period_bounds_the_sale_date_both_days_included(staff_client):
    for day in (13, 14, 15, 16):
        SoldAuctionFactory(sale_date=date(2026, 7, day), lot_number=day)

    rows = as_dicts(read_csv(staff_client.get(URL, {"since": "2026-07-14", "until": "2026-07-15"})))
    from_15 = as_dicts(read_csv(staff_client.get(URL, {"since": "2026-07-15"})))
    to_13 = as_dicts(read_csv(staff_client.get(URL, {"until": "2026-07-13T23:00:00+09:00"})))

    assert [r["Sale date"] for r in rows] == ["2026-07-14", "2026-07-15"]
    assert [r["Sale date"] for r in from_15] == ["2026-07-15", "2026-07-16"]
    assert [r["Sale date"] for r in to_13] == ["2026-07-13"]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"since": "yesterday"}, "invalid_date", "since"),
        ({"until": "2026-13-01"}, "invalid_date", "until"),
        ({"since": "2026-07-14T25:00"}, "invalid_date", "since"),
        ({"since": "2026-07-15", "until": "2026-07-14"}, "invalid_period", "until"),
    ],
)
def test_a_bad_period_is_refused_with_a_code(staff_client, params, code, field):
    response = staff_client.get(URL, params)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_the_file_is_an_attachment_with_an_ascii_name_and_a_japanese_one(staff_client):
    response = staff_client.get(URL, {"since": "2026-07-14", "until": "2026-07-14"})

    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="results_2026-07-14_2026-07-14.csv"; ')
    assert disposition.endswith("filename*=UTF-8''" + quote("セリ結果_2026-07-14_2026-07-14.csv"))
    assert disposition.isascii()
    assert response["Cache-Control"] == "no-store"


def test_a_client_that_asks_for_text_csv_gets_it(staff_client):
    SoldAuctionFactory()

    response = staff_client.get(URL, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert len(read_csv(response)) == 2
