"""Who may call what: a role × endpoint table for every protected endpoint.

Each row of MATRIX is one endpoint: the method, the path, the status each role gets, and (optionally) the
body to send. Add a row when an endpoint appears; the test runs it for every role, and the last test names
any /api/ route that refuses anonymous callers but has no row. Roles, each made by the role service:
  anonymous  — no credentials at all
  viewer     — signed in, watches only
  bidder     — approved, with a paddle number
  auctioneer — organizer: staff, in the Auctioneers group
  admin      — organizer: staff, superuser
Paths may name objects made fresh for each case: {draft} and {active} auctions, {horse}, and {notification}
(someone else's). API rows sign in with a bearer access token; `session=True` rows (the Django admin) sign in
with a session cookie. A refusal must be 401 for anonymous callers and 403 for signed-in ones, with a code;
an allowed caller may still get a 4xx for the body, which shows the permission let it through.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_set_role

ROLES = ("anonymous", "viewer", "bidder", "auctioneer", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(SIGNED_IN, status)}


def organizers_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "viewer": 403, "bidder": 403, "auctioneer": status, "admin": status}


def staff_only(status: int) -> dict[str, int]:
    return organizers_only(status)  # organizers are the staff


def bidders_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "viewer": 403, "bidder": status, "auctioneer": 403, "admin": 403}


def admin_site(auctioneer: int, admin: int = 200) -> dict[str, int]:
    """The Django admin sends everyone who is not staff to its login page."""
    return {"anonymous": 302, "viewer": 302, "bidder": 302, "auctioneer": auctioneer, "admin": admin}


def own_refresh_token(objects) -> dict:
    return {"refresh": objects["tokens"]["refresh"] if objects["tokens"] else "not-a-token"}


def first_bid(objects) -> dict:
    return {"amount": objects["active"].start_price, "idempotency_key": str(uuid.uuid4())}


def in_an_hour(objects) -> dict:
    return {"starts_at": (timezone.now() + timedelta(hours=1)).isoformat()}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    expected: dict[str, int]
    body: dict | Callable[[dict], dict] | None = None
    session: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


MATRIX: list[Endpoint] = [
    # accounts
    Endpoint("GET", "/api/auth/me/", signed_in_only(200)),
    Endpoint("POST", "/api/auth/logout/", signed_in_only(205), body=own_refresh_token),
    # documentation is public
    Endpoint("GET", "/api/schema/", everyone(200)),
    Endpoint("GET", "/api/docs/", everyone(200)),
    # catalogue: organizers write (an empty body is refused for its content, after the permission check)
    Endpoint("POST", "/api/horses/", organizers_only(400), body={}),
    Endpoint("PATCH", "/api/horses/{horse}/", organizers_only(200), body={}),
    Endpoint("POST", "/api/horses/{horse}/photos/", organizers_only(400)),
    Endpoint("DELETE", "/api/horses/{horse}/photos/999999/", organizers_only(404)),
    Endpoint("POST", "/api/horses/{horse}/documents/", organizers_only(400)),
    Endpoint("DELETE", "/api/horses/{horse}/documents/999999/", organizers_only(404)),
    # auctions: organizers create and run them
    Endpoint("POST", "/api/auctions/", organizers_only(400), body={}),
    Endpoint("PATCH", "/api/auctions/{draft}/", organizers_only(200), body={}),
    Endpoint("POST", "/api/auctions/{draft}/schedule/", organizers_only(200), body=in_an_hour),
    Endpoint("POST", "/api/auctions/{draft}/start/", organizers_only(200)),
    Endpoint("POST", "/api/auctions/{draft}/cancel/", organizers_only(200), body={"reason": "vet advice"}),
    # bidding: only bidders (the service refuses everyone else with not_allowed)
    Endpoint("POST", "/api/auctions/{active}/bids/", bidders_only(201), body=first_bid),
    Endpoint("GET", "/api/me/bids/", signed_in_only(200)),
    # following lots and notifications: anyone signed in, each their own
    Endpoint("POST", "/api/auctions/{active}/watch/", signed_in_only(201)),
    Endpoint("DELETE", "/api/auctions/{active}/watch/", signed_in_only(204)),
    Endpoint("GET", "/api/watchlist/", signed_in_only(200)),
    Endpoint("GET", "/api/notifications/", signed_in_only(200)),
    Endpoint("POST", "/api/notifications/read-all/", signed_in_only(200)),
    Endpoint("POST", "/api/notifications/{notification}/read/", signed_in_only(404)),
    # staff reports
    Endpoint("GET", "/api/reports/results.csv", staff_only(200)),
    Endpoint("GET", "/api/reports/bids.csv", staff_only(200)),
    Endpoint("GET", "/api/reports/bidders.csv", staff_only(200)),
    # the Django admin: auctioneers run the catalogue and read the bids; only admins manage users
    Endpoint("GET", "/admin/", admin_site(200), session=True),
    Endpoint("GET", "/admin/horses/horse/add/", admin_site(200), session=True),
    Endpoint("GET", "/admin/auctions/auction/", admin_site(200), session=True),
    Endpoint("GET", "/admin/auctions/auction/add/", admin_site(200), session=True),
    Endpoint("GET", "/admin/bidding/bid/", admin_site(200), session=True),
    Endpoint("GET", "/admin/auctions/auditentry/", admin_site(200), session=True),
    Endpoint("GET", "/admin/accounts/user/", admin_site(200), session=True),
    Endpoint("GET", "/admin/accounts/user/add/", admin_site(403), session=True),
    Endpoint("GET", "/admin/auth/group/", admin_site(403), session=True),
]

CASES = [
    pytest.param(endpoint, role, id=f"{endpoint}-{role}")
    for endpoint in MATRIX
    for role in ROLES
    if role in endpoint.expected
]


@pytest.fixture
def objects(db, viewer):
    """Fresh objects for the paths to name. The notification belongs to someone outside the cast."""
    from notifications.models import Notification
    from tests.accounts.factories import UserFactory
    from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory
    from tests.horses.factories import HorseFactory

    stranger = UserFactory(username="stranger")
    return {
        "draft": AuctionFactory(),
        "active": ActiveAuctionFactory(),
        "horse": HorseFactory(),
        "notification": Notification.objects.create(user=stranger, kind="outbid", dedupe_key="matrix"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_role_gets_the_expected_status(endpoint, role, cast, objects):
    # Given a client signed in as the role, as the role service makes it (or not signed in at all)
    user = cast.get(role)
    if user is not None:
        user = user_set_role(user=user, role=user.role)
    objects["tokens"] = None
    if endpoint.session:
        client = Client()
        if user is not None:
            client.force_login(user)
    else:
        client = APIClient()
        if user is not None:
            refresh = RefreshToken.for_user(user)
            objects["tokens"] = {"access": str(refresh.access_token), "refresh": str(refresh)}
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {objects['tokens']['access']}")

    # When it calls the endpoint
    path = endpoint.path.format(**{key: getattr(value, "pk", value) for key, value in objects.items()})
    kwargs = {}
    if endpoint.body is not None:
        body = endpoint.body(objects) if callable(endpoint.body) else endpoint.body
        kwargs = {"data": body, "format": "json"}
    response = getattr(client, endpoint.method.lower())(path, **kwargs)

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
def test_every_api_route_that_needs_a_sign_in_is_in_the_matrix(objects):
    """A new endpoint that refuses anonymous callers must get a row above (or this test names it)."""
    from django.urls import get_resolver

    covered = {endpoint.path.replace("{active}", "{draft}") for endpoint in MATRIX}
    missing = []
    for route in _api_routes(get_resolver()):
        if route in covered:
            continue
        path = route.format(**{key: getattr(value, "pk", value) for key, value in objects.items()})
        for method in ("get", "post", "patch", "delete"):
            status = getattr(APIClient(), method)(path, format="json").status_code
            if status in (401, 403):
                missing.append(route)
                break
    assert not missing, f"add rows for these to MATRIX: {missing}"


# Route parameters the guard can fill in, by name: a draft auction and a horse are enough to reach each view.
_PARAMETERS = {"auction_id": "{draft}", "pk": "{draft}", "notification_id": "{notification}"}


def _api_routes(resolver, prefix: str = "") -> list[str]:
    """Every /api/ route as a MATRIX-style path ({draft}, {horse}, … for parameters)."""
    import re

    from django.urls import URLPattern, URLResolver

    routes = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            routes += _api_routes(entry, prefix + route)
            continue
        if not isinstance(entry, URLPattern) or not (prefix + route).startswith("api/"):
            continue
        full = "/" + prefix + route
        if "horses" in full:
            full = re.sub(r"\(\?P<pk>[^)]*\)|<int:pk>", "{horse}", full)
        full = re.sub(r"<int:(\w+)>", lambda m: _PARAMETERS.get(m.group(1), "0"), full)
        full = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: _PARAMETERS.get(m.group(1), "999999"), full)
        if "(" in full or "\\" in full or "<" in full:
            continue  # a format suffix or a catch-all: not a route of its own
        routes.append(full.replace("\\.", "."))
    return routes
