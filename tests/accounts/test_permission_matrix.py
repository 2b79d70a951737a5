"""Who may call what: a role × endpoint table for every protected endpoint.

Each row of MATRIX is one endpoint: the method, the path, the status each role gets, and (optionally) the
body to send. Add a row when an endpoint appears; the test runs it for every role. Roles:
  anonymous  — no credentials at all
  viewer     — signed in, watches only
  bidder     — approved, with a paddle number
  auctioneer — organizer, staff
  admin      — organizer, staff, superuser
API rows sign in with a bearer access token; `session=True` rows (the Django admin) sign in with a session
cookie.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

ROLES = ("anonymous", "viewer", "bidder", "auctioneer", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(SIGNED_IN, status)}


def staff_only(status: int) -> dict[str, int]:
    """The Django admin sends everyone else to its login page."""
    return {"anonymous": 302, "viewer": 302, "bidder": 302, "auctioneer": status, "admin": status}


def own_refresh_token(user, tokens) -> dict:
    return {"refresh": tokens["refresh"] if tokens else "not-a-token"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    expected: dict[str, int]
    body: Callable[..., dict] | None = None
    session: bool = False
    label: str = field(default="")

    def __str__(self) -> str:
        return self.label or f"{self.method} {self.path}"


MATRIX: list[Endpoint] = [
    Endpoint("GET", "/api/auth/me/", signed_in_only(200)),
    Endpoint("POST", "/api/auth/logout/", signed_in_only(205), body=own_refresh_token),
    Endpoint("GET", "/api/schema/", everyone(200)),
    Endpoint("GET", "/api/docs/", everyone(200)),
    Endpoint("GET", "/admin/", staff_only(200), session=True),
]

CASES = [
    pytest.param(endpoint, role, id=f"{endpoint}-{role}")
    for endpoint in MATRIX
    for role in ROLES
    if role in endpoint.expected
]


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_role_gets_the_expected_status(endpoint, role, cast):
    # Given a client signed in as the role (or not at all)
    user = cast.get(role)
    tokens = None
    if endpoint.session:
        client = Client()
        if user is not None:
            client.force_login(user)
    else:
        client = APIClient()
        if user is not None:
            refresh = RefreshToken.for_user(user)
            tokens = {"access": str(refresh.access_token), "refresh": str(refresh)}
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    # When it calls the endpoint
    kwargs = {}
    if endpoint.body is not None:
        kwargs = {"data": endpoint.body(user, tokens), "content_type": "application/json"}
        if isinstance(client, APIClient):
            kwargs = {"data": endpoint.body(user, tokens), "format": "json"}
    response = getattr(client, endpoint.method.lower())(endpoint.path, **kwargs)

    # Then the status is the one the table promises, and refusals say why
    expected = endpoint.expected[role]
    assert response.status_code == expected, getattr(response, "content", b"")[:500]
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")
    if expected in (401, 403) and not endpoint.session:
        body = response.json()
        assert body["code"] in ("not_authenticated", "permission_denied", "not_allowed")
        assert body["detail"]
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_every_api_route_that_needs_a_sign_in_is_in_the_matrix():
    """A new endpoint that refuses anonymous callers must get a row above (or this test names it)."""
    from django.urls import get_resolver

    covered = {endpoint.path for endpoint in MATRIX}
    missing = []
    for path in _concrete_api_paths(get_resolver()):
        if path in covered:
            continue
        for method in ("get", "post"):
            status = getattr(APIClient(), method)(path, format="json").status_code
            if status in (401, 403):
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"add these to MATRIX: {missing}"


def _concrete_api_paths(resolver, prefix: str = "") -> list[str]:
    """Every /api/ route without path parameters (parametrised routes need a row written by hand)."""
    from django.urls import URLPattern, URLResolver

    paths = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if route.startswith("^") or "<" in route or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            paths += _concrete_api_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            full = "/" + prefix + route
            if full.startswith("/api/"):
                paths.append(full)
    return paths
