"""The CSV cells themselves: formula neutralisation, times, names, file names."""

from datetime import UTC, date, datetime

import pytest

from bidding.reports.queries import Period, tokyo_time
from bidding.reports.streaming import Report, content_disposition, csv_chunks, neutralise


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+81-3-1234",
        "-2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "＝ＳＵＭ(A1)",
        "＋1",
        "－1",
        "＠a",
        '=HYPERLINK("http://x","y")',
    ],
)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["キタサンブラック", "a=b", "2026-07-14 10:00:00", "", " =1", "'quoted"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


def test_numbers_and_empty_cells_are_written_plainly():
    report = Report(filename="x.csv", filename_ja="x.csv", header=["a", "b", "c"], rows=[(-5, None, "-5")])

    body = b"".join(csv_chunks(report)).decode("utf-8-sig")

    assert body == "a,b,c\r\n-5,,'-5\r\n"


def test_rows_are_sent_in_chunks_of_bounded_size():
    report = Report(filename="x.csv", filename_ja="x.csv", header=["n"], rows=((n,) for n in range(10_000)))

    chunks = list(csv_chunks(report, chunk_chars=1000))

    assert chunks[0] == b"\xef\xbb\xbfn\r\n"  # the header goes first, on its own
    assert len(chunks) > 40
    assert max(len(c) for c in chunks) < 1100
    assert b"".join(chunks).decode("utf-8-sig").split("\r\n")[1:-1] == [str(n) for n in range(10_000)]


def test_times_are_tokyo_iso_8601_with_offset_and_microseconds():
    assert tokyo_time(datetime(2026, 12, 31, 15, 0, 0, 999_999, tzinfo=UTC)) == "2027-01-01T00:00:00.999999+09:00"
    assert tokyo_time(None) == ""


def test_a_date_period_covers_whole_tokyo_days():
    period = Period(since=date(2026, 7, 14), until=date(2026, 7, 15))

    assert period.start == datetime(2026, 7, 13, 15, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 7, 15, 15, 0, tzinfo=UTC)
    assert (period.first_day, period.last_day) == (date(2026, 7, 14), date(2026, 7, 15))
    assert period.label == "2026-07-14_2026-07-15"


def test_a_file_name_that_is_not_ascii_gets_a_fallback():
    header = content_disposition('bad "name"/x.csv', "入札履歴.csv")

    assert (
        header == "attachment; filename=\"bad_name_x.csv\"; filename*=UTF-8''%E5%85%A5%E6%9C%AD%E5%B1%A5%E6%AD%B4.csv"
    )
