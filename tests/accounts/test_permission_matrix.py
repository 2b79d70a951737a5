"""Who may call what: every /api/ route of the URL conf × every method × every kind of caller, with the status each
one gets. The routes come from the URL conf itself, so a new endpoint without a row in TABLE fails the first test
(and each of its methods fails the second), and a row whose route is gone fails too.

Each row names the objects its path parameters point at (see tests/accounts/matrix_support.py: a draft and a
running lot, a horse with a photo and a document, someone else's notification), the status per role of each method
it serves (with the body sent), and the status per role of every other method. Every call runs in a transaction
that is rolled back, so each role meets the same objects. A refusal must be JSON with a code and a message: 401
(with WWW-Authenticate) for anonymous callers, 403 for signed-in ones, 405 for a method the route does not serve.
An allowed caller may still get a 4xx for the body (an empty one), which shows the permission let it through.
"""

import uuid
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from tests.accounts.matrix_support import (
    METHODS,
    ROLES,
    api_routes,
    client_for_role,
    fill,
    first_bid,
    in_an_hour,
    make_cast,
    make_objects,
    own_refresh_token,
)

# --- who gets what ------------------------------------------------------------------------------------------------

ORGANIZERS = ("auctioneer", "admin")
STAFF = ("auctioneer", "admin", "staff")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def only(allowed: tuple[str, ...], status: int) -> dict[str, int]:
    """Anonymous callers are asked to sign in; signed-in callers outside `allowed` are refused."""
    return {role: status if role in allowed else 401 if role == "anonymous" else 403 for role in ROLES}


def organizers(status: int) -> dict[str, int]:
    return only(ORGANIZERS, status)


def staff(status: int) -> dict[str, int]:
    return only(STAFF, status)


def document_readers(status: int) -> dict[str, int]:
    return only(("bidder", *ORGANIZERS), status)


@dataclass(frozen=True)
class Serves:
    """A method the route serves: the status per role, and the body to send (a dict, or made from the objects)."""

    expected: dict[str, int]
    body: object = None


@dataclass(frozen=True)
class Route:
    serves: dict[str, Serves]
    otherwise: dict[str, int]  # every method not in `serves`
    params: dict[str, str] = field(default_factory=dict)  # path parameter → object (matrix_support.make_objects)


def a_maximum(objects, tokens) -> dict:
    return {"max_amount": objects["active"].start_price * 2, "idempotency_key": str(uuid.uuid4())}


HORSE = {"pk": "horse"}
# A read on an organizer's write-only route passes the catalogue's read permission (anyone may read) and is then
# refused as a method; every other method meets the write permission first.
READ_THEN_405 = Serves(everyone(405))

TABLE: dict[str, Route] = {
    # accounts: open doors, then the signed-in user's own
    "/api/auth/register/": Route({"POST": Serves(everyone(400), {})}, everyone(405)),
    "/api/auth/token/": Route({"POST": Serves(everyone(400), {})}, everyone(405)),
    "/api/auth/token/refresh/": Route({"POST": Serves(everyone(400), {})}, everyone(405)),
    "/api/auth/conditions/": Route({"GET": Serves(everyone(200))}, everyone(405)),
    "/api/auth/confirm-email/": Route({"POST": Serves(everyone(400), {})}, everyone(405)),
    "/api/auth/confirm-email/resend/": Route(
        # The applicant and the bidder have confirmed their address already; the others never had to.
        {"POST": Serves({**signed_in(202), "applicant": 409, "bidder": 409}, {})},
        signed_in(405),
    ),
    "/api/auth/me/": Route({"GET": Serves(signed_in(200)), "PATCH": Serves(signed_in(200), {})}, signed_in(405)),
    "/api/auth/password/": Route({"POST": Serves(signed_in(400), {})}, signed_in(405)),
    "/api/auth/logout/": Route({"POST": Serves(signed_in(205), own_refresh_token)}, signed_in(405)),
    # documentation is public
    "/api/schema/": Route({"GET": Serves(everyone(200))}, everyone(405)),
    "/api/docs/": Route({"GET": Serves(everyone(200))}, everyone(405)),
    # the catalogue: everyone reads, organizers write; vet documents for approved bidders and organizers
    "/api/horses/": Route({"GET": Serves(everyone(200)), "POST": Serves(organizers(400), {})}, organizers(405)),
    "/api/horses/{pk}/": Route(
        {"GET": Serves(everyone(200)), "PATCH": Serves(organizers(200), {})}, organizers(405), HORSE
    ),
    "/api/horses/{pk}/photos/": Route(
        # A JSON body where a multipart upload belongs: refused for its type, after the permission check
        {"POST": Serves(organizers(415), {}), "GET": READ_THEN_405},
        organizers(405),
        HORSE,
    ),
    "/api/horses/{pk}/photos/{photo_id}/": Route(
        {"DELETE": Serves(organizers(204)), "GET": READ_THEN_405}, organizers(405), {**HORSE, "photo_id": "photo"}
    ),
    "/api/horses/{pk}/documents/": Route(
        {"POST": Serves(organizers(415), {}), "GET": READ_THEN_405}, organizers(405), HORSE
    ),
    "/api/horses/{pk}/documents/{document_id}/": Route(
        {"DELETE": Serves(organizers(204)), "GET": READ_THEN_405},
        organizers(405),
        {**HORSE, "document_id": "document"},
    ),
    "/api/horses/{pk}/documents/{document_id}/file/": Route(
        {"GET": Serves(document_readers(200))}, document_readers(405), {**HORSE, "document_id": "document"}
    ),
    # lots: everyone reads, organizers create and run them
    "/api/auctions/": Route({"GET": Serves(everyone(200)), "POST": Serves(organizers(400), {})}, organizers(405)),
    "/api/auctions/{pk}/": Route(
        # A draft is the organizers' alone: to everyone else it does not exist
        {"GET": Serves({**everyone(404), "auctioneer": 200, "admin": 200}), "PATCH": Serves(organizers(200), {})},
        organizers(405),
        {"pk": "draft"},
    ),
    "/api/auctions/{pk}/schedule/": Route(
        {"POST": Serves(organizers(200), in_an_hour), "GET": READ_THEN_405}, organizers(405), {"pk": "draft"}
    ),
    "/api/auctions/{pk}/start/": Route(
        {"POST": Serves(organizers(200)), "GET": READ_THEN_405}, organizers(405), {"pk": "draft"}
    ),
    "/api/auctions/{pk}/cancel/": Route(
        {"POST": Serves(organizers(200), {"reason": "vet advice"}), "GET": READ_THEN_405},
        organizers(405),
        {"pk": "draft"},
    ),
    # the auctioneer's console: pause and resume a running lot, withdraw one before its start, speak to the room
    "/api/auctions/{pk}/pause/": Route(
        {"POST": Serves(organizers(200)), "GET": READ_THEN_405}, organizers(405), {"pk": "active"}
    ),
    "/api/auctions/{pk}/resume/": Route(
        {"POST": Serves(organizers(409)), "GET": READ_THEN_405},  # it is not paused: allowed, then refused
        organizers(405),
        {"pk": "active"},
    ),
    "/api/auctions/{pk}/withdraw/": Route(
        {"POST": Serves(organizers(200), {"reason": "lame"}), "GET": READ_THEN_405},
        organizers(405),
        {"pk": "draft"},
    ),
    "/api/auctions/{pk}/message/": Route(
        {"POST": Serves(organizers(204), {"text": "上場番号5は欠場です"}), "GET": READ_THEN_405},
        organizers(405),
        {"pk": "active"},
    ),
    # sales are public; invoices are each buyer's own (staff read every one)
    "/api/sales/": Route({"GET": Serves(everyone(200))}, everyone(405)),
    "/api/sales/{pk}/": Route({"GET": Serves(everyone(200))}, everyone(405), {"pk": "sale"}),
    "/api/invoices/": Route({"GET": Serves(signed_in(200))}, signed_in(405)),
    # No invoice has the draft lot's id here: past the sign-in, not found for everyone.
    "/api/invoices/{pk}/": Route({"GET": Serves(signed_in(404))}, signed_in(405), {"pk": "draft"}),
    "/api/invoices/{pk}/pdf/": Route({"GET": Serves(signed_in(404))}, signed_in(405), {"pk": "draft"}),
    # bidding: only approved bidders (the service refuses everyone else with not_allowed); the history is public
    "/api/auctions/{auction_id}/bids/": Route(
        {"GET": Serves(everyone(200)), "POST": Serves(only(("bidder",), 201), first_bid)},
        everyone(405),
        {"auction_id": "active"},
    ),
    # maximum bids: only approved bidders set one; anyone signed in asks after their own (none here: 404)
    "/api/auctions/{auction_id}/max-bid/": Route(
        {
            "PUT": Serves(only(("bidder",), 200), a_maximum),
            "GET": Serves(signed_in(404)),
            "DELETE": Serves(signed_in(404)),
        },
        signed_in(405),
        {"auction_id": "active"},
    ),
    "/api/me/bids/": Route({"GET": Serves(signed_in(200))}, signed_in(405)),
    # following lots and notifications: anyone signed in, each their own
    "/api/auctions/{auction_id}/watch/": Route(
        {"POST": Serves(signed_in(201)), "DELETE": Serves(signed_in(204))}, signed_in(405), {"auction_id": "active"}
    ),
    "/api/watchlist/": Route({"GET": Serves(signed_in(200))}, signed_in(405)),
    "/api/notifications/": Route({"GET": Serves(signed_in(200))}, signed_in(405)),
    "/api/notifications/read-all/": Route({"POST": Serves(signed_in(200))}, signed_in(405)),
    "/api/notifications/{notification_id}/read/": Route(
        {"POST": Serves(signed_in(404))},  # someone else's notification: not found, for everyone
        signed_in(405),
        {"notification_id": "notification"},
    ),
    # staff reports
    "/api/reports/results.csv": Route({"GET": Serves(staff(200))}, staff(405)),
    "/api/reports/bids.csv": Route({"GET": Serves(staff(200))}, staff(405)),
    "/api/reports/bidders.csv": Route({"GET": Serves(staff(200))}, staff(405)),
    "/api/reports/invoices.csv": Route({"GET": Serves(staff(200))}, staff(405)),
}


def expected_for(route: Route, method: str) -> tuple[dict[str, int], object]:
    if method in route.serves:
        return route.serves[method].expected, route.serves[method].body
    return route.otherwise, {}


# --- the tests ----------------------------------------------------------------------------------------------------


def test_every_api_route_has_a_row_and_every_row_a_route():
    routes = set(api_routes())
    assert routes - set(TABLE) == set(), f"add rows to TABLE for these new routes: {sorted(routes - set(TABLE))}"
    assert set(TABLE) - routes == set(), f"these rows name routes that no longer exist: {sorted(set(TABLE) - routes)}"


CASES = [pytest.param(route, method, id=f"{method} {route}") for route in api_routes() for method in METHODS]


@pytest.fixture
def cast_and_objects(db):
    return make_cast(), make_objects()


@pytest.mark.parametrize(("route", "method"), CASES)
def test_each_role_gets_the_status_the_table_promises(route, method, cast_and_objects):
    assert route in TABLE, f"no row in TABLE for {route}"
    cast, objects = cast_and_objects
    expected, body = expected_for(TABLE[route], method)
    path = fill(route, TABLE[route].params, objects)

    wrong = {}
    for role in ROLES:
        with transaction.atomic():
            client, tokens = client_for_role(cast[role])
            data = body(objects, tokens) if callable(body) else body
            kwargs = {"data": data, "format": "json"} if data is not None else {}
            response = getattr(client, method.lower())(path, **kwargs)
            problem = _problem(response, expected[role], json_errors=route not in DOCUMENTS)
            if problem:
                wrong[role] = problem
            transaction.set_rollback(True)

    assert not wrong, f"{method} {path}: {wrong}"


# The documentation answers in its own formats (HTML, YAML), errors included.
DOCUMENTS = {"/api/docs/", "/api/schema/"}


def _problem(response, expected: int, *, json_errors: bool = True) -> str | None:
    if response.status_code != expected:
        return f"got {response.status_code}, expected {expected}: {getattr(response, 'content', b'')[:200]!r}"
    if expected in (401, 403, 405) and json_errors:
        body = response.json()
        if not body.get("code") or not body.get("detail"):
            return f"a refusal without a code and a message: {body}"
        if expected == 401 and not response["WWW-Authenticate"].startswith("Bearer"):
            return "a 401 without WWW-Authenticate: Bearer"
    return None


# --- the Django admin (session sign-in) -----------------------------------------------------------------------------


def admin_site(auctioneer: int, admin: int = 200, staff: int | None = None) -> dict[str, int]:
    """The admin sends everyone who is not staff to its login page; staff without permissions see an empty index
    and are refused every model page."""
    return {
        **dict.fromkeys(("anonymous", "viewer", "applicant", "bidder"), 302),
        "auctioneer": auctioneer,
        "admin": admin,
        "staff": 403 if staff is None else staff,
    }


ADMIN_PAGES = {
    "/admin/": admin_site(200, staff=200),
    "/admin/horses/horse/add/": admin_site(200),
    "/admin/auctions/auction/": admin_site(200),
    "/admin/auctions/auction/add/": admin_site(200),
    "/admin/bidding/bid/": admin_site(200),
    "/admin/bidding/maxbid/": admin_site(200),  # bidders' maxima: staff only, read-only
    "/admin/auctions/auditentry/": admin_site(200),
    "/admin/auctions/salesession/": admin_site(200),  # each session's console (tests/bidding/test_sale_console.py)
    "/admin/accounts/user/": admin_site(200),  # auctioneers vet bidders
    "/admin/accounts/user/add/": admin_site(403),
    "/admin/auth/group/": admin_site(403),
    "/admin/axes/accessattempt/": admin_site(403),  # sign-in lockouts: admins lift them
}


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_the_admin_pages_by_role(path, cast_and_objects):
    cast, _objects = cast_and_objects
    wrong = {}
    for role in ROLES:
        client = Client()
        if cast[role] is not None:
            client.force_login(cast[role])
        response = client.get(path)
        if response.status_code != ADMIN_PAGES[path][role]:
            wrong[role] = response.status_code
        elif response.status_code == 302 and not response["Location"].startswith("/admin/login/"):
            wrong[role] = response["Location"]
    assert not wrong, f"{path}: {wrong}"


def test_auctioneers_and_admins_are_offered_the_approval_action(cast_and_objects):
    cast, _objects = cast_and_objects
    for role, sees in {"auctioneer": True, "admin": True}.items():
        client = Client()
        client.force_login(cast[role])
        page = client.get("/admin/accounts/user/").content.decode()
        assert ('value="approve_to_bid"' in page) is sees, role
