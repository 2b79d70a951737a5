"""A PostgreSQL database that exists only for one benchmark run: bids and the audit log are append-only, so a
benchmark never writes into a database anyone keeps."""

from contextlib import contextmanager
from urllib.parse import urlparse


def _admin_connection(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def throwaway_database(url: str):
    """Create the database named in `url` afresh, and drop it afterwards (even with connections still open)."""
    name = urlparse(url).path.lstrip("/")
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with _admin_connection(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
