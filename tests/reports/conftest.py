import csv
import io

import pytest
from rest_framework.test import APIClient


def read_csv(response) -> list[list[str]]:
    """The rows of a streamed CSV response, header first, checked for the BOM and CRLF on the way."""
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF (no field here holds a newline)
    return list(csv.reader(io.StringIO(text, newline="")))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture
def staff_client(admin_user) -> APIClient:
    from tests.conftest import client_for

    return client_for(admin_user)
