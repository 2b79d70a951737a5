"""The CSV machinery of the staff reports: a report is a header and rows; this turns it into a stream for Excel.

`csv_chunks` writes UTF-8 bytes: a BOM first (so Japanese text opens right), CRLF line ends, and text cells that
would start a formula neutralised with a leading apostrophe. `report_response` streams them, with a sync iterator
under WSGI and an async one under ASGI (daphne): Django buffers a sync iterator completely before serving it
asynchronously. What goes into the rows is `bidding.reports.queries`' business.
"""

import csv
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
# Characters of CSV gathered before they are sent on: few, large writes rather than one per row.
STREAM_CHUNK_CHARS = 64 * 1024

# A cell starting with one of these may be run as a formula by Excel or LibreOffice (OWASP "CSV injection").
# The full-width forms are a precaution: Japanese input methods produce them and some spreadsheet set-ups
# convert them to their ASCII twins.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class Report:
    """A CSV report: what to call the file (ASCII and Japanese) and what is in it."""

    filename: str
    filename_ja: str
    header: Sequence[str]
    rows: Iterable[Sequence]


# --- cells -------------------------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe, which makes it plain text."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value  # int (yen, counts): written as is


# --- the CSV stream ----------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer produces strings (Django docs)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(report: Report, *, chunk_chars: int = STREAM_CHUNK_CHARS) -> Iterator[bytes]:
    """The report as UTF-8 bytes: the BOM and the header first, then the rows in chunks of about `chunk_chars`."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield (BOM + writer.writerow([_cell(title) for title in report.header])).encode("utf-8")
    pending: list[str] = []
    size = 0
    for row in report.rows:
        line = writer.writerow([_cell(value) for value in row])
        pending.append(line)
        size += len(line)
        if size >= chunk_chars:
            yield "".join(pending).encode("utf-8")
            pending.clear()
            size = 0
    if pending:
        yield "".join(pending).encode("utf-8")


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull a sync iterator one chunk at a time in the request's thread (its database connection and cursor)."""
    pull = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await pull(chunks, None)) is not None:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=True)()  # closes the server-side cursor if cut short


def content_disposition(filename: str, filename_ja: str) -> str:
    """attachment with an ASCII name for old clients and the Japanese one as RFC 5987 `filename*`."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename) or "report.csv"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename_ja, safe='')}"


def report_response(request, report: Report) -> StreamingHttpResponse:
    """Stream the report. Under ASGI the content is an async iterator, so it is never gathered in memory."""
    chunks = csv_chunks(report)
    django_request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    content = _async_chunks(chunks) if isinstance(django_request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(report.filename, report.filename_ja)
    response["Cache-Control"] = "no-store"  # names, e-mail addresses and money: never kept by a proxy
    response["X-Content-Type-Options"] = "nosniff"
    return response
