"""Suite-wide fixtures. The suite needs the real PostgreSQL and Redis, and says so when they are absent."""

import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from rest_framework.test import APIClient


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    db = settings.DATABASES["default"]
    missing = []
    if db["ENGINE"].endswith("postgresql") and not _reachable(f"pg://{db['HOST']}:{db['PORT'] or 5432}", 5432):
        missing.append(f"PostgreSQL at {db['HOST']}:{db['PORT'] or 5432} (DATABASE_URL)")
    if not _reachable(settings.REDIS_URL, 6379):
        missing.append(f"Redis at {settings.REDIS_URL} (REDIS_URL)")
    if missing:
        pytest.exit(
            "The test suite needs real services that are not reachable: "
            + "; ".join(missing)
            + ". Start them (see README, 'Running the tests') or point DATABASE_URL / REDIS_URL at them.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _forget_socket_users():
    """The handshake's short-lived user cache is per process: each test starts without one."""
    from accounts import ws_auth

    ws_auth._user_cache.clear()
    yield


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty cache (throttle counters, rate limits) and channel layer."""
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()
    yield


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    """An API client carrying a fresh access token for the user."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


# The cast. Each may do exactly what their role allows:
#   admin      — everything an organizer does, plus user management (staff, superuser)
#   auctioneer — runs sales: starts and cancels auctions (staff, not superuser)
#   bidder     — approved, with paddle 101; bids and follows lots
#   rival      — a second approved bidder, to outbid the first
#   viewer     — signed in, watches only
@pytest.fixture
def admin_user(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(role="admin", username="alice_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def auctioneer(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(role="auctioneer", username="olivia_auctioneer", is_staff=True)


@pytest.fixture
def bidder(db):
    from tests.accounts.factories import BidderFactory

    return BidderFactory(username="bob_bidder")


@pytest.fixture
def rival(db):
    from tests.accounts.factories import BidderFactory

    return BidderFactory(username="carol_rival")


@pytest.fixture
def viewer(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(role="viewer", username="victor_viewer")


@pytest.fixture
def cast(admin_user, auctioneer, bidder, viewer):
    return {"admin": admin_user, "auctioneer": auctioneer, "bidder": bidder, "viewer": viewer}
