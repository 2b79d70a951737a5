"""The machinery of the role × endpoint × method matrix (tests/accounts/test_permission_matrix.py): the roles, the
objects a path may name, and the walk over the URL conf."""

import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Every kind of caller, each made as the platform makes them:
#   anonymous  — no credentials at all
#   viewer     — signed in, watches only
#   applicant  — a registered bidder with a confirmed address, not (yet) approved by an organizer
#   bidder     — approved to bid, with a paddle number
#   auctioneer — organizer: staff, in the Auctioneers group
#   admin      — organizer: staff, superuser
#   staff      — office staff: is_staff without an organizer's role (pulls reports)
ROLES = ("anonymous", "viewer", "applicant", "bidder", "auctioneer", "admin", "staff")


def make_cast() -> dict:
    from accounts.services import user_set_role
    from tests.accounts.factories import BidderFactory, UserFactory

    admin = UserFactory(username="m_admin", role="admin", is_staff=True, is_superuser=True)
    auctioneer = UserFactory(username="m_auctioneer", role="auctioneer")
    return {
        "anonymous": None,
        "viewer": UserFactory(username="m_viewer", role="viewer"),
        "applicant": BidderFactory(username="m_applicant", is_approved_to_bid=False, email_confirmed_at=timezone.now()),
        "bidder": BidderFactory(username="m_bidder", email_confirmed_at=timezone.now()),
        "auctioneer": user_set_role(user=auctioneer, role="auctioneer"),
        "admin": user_set_role(user=admin, role="admin"),
        "staff": UserFactory(username="m_staff", role="viewer", is_staff=True),
    }


def make_objects() -> dict:
    """What the paths name: a draft and a running lot, a horse with a photo and a document, and a notification that
    belongs to someone outside the cast."""
    from horses.models import HorseDocument, HorsePhoto
    from notifications.models import Notification
    from tests.accounts.factories import UserFactory
    from tests.auctions.factories import ActiveAuctionFactory, AuctionFactory
    from tests.horses.factories import HorseFactory, pdf_upload, png_upload

    horse = HorseFactory()
    stranger = UserFactory(username="m_stranger")
    draft = AuctionFactory()
    return {
        "draft": draft,
        "sale": draft.sale,
        "active": ActiveAuctionFactory(),
        "horse": horse,
        "photo": HorsePhoto.objects.create(horse=horse, image=png_upload()),
        "document": HorseDocument.objects.create(horse=horse, title="獣医所見", file=pdf_upload()),
        "notification": Notification.objects.create(user=stranger, kind="outbid", dedupe_key="matrix"),
    }


def client_for_role(user) -> tuple[APIClient, dict | None]:
    client = APIClient()
    if user is None:
        return client, None
    refresh = RefreshToken.for_user(user)
    tokens = {"access": str(refresh.access_token), "refresh": str(refresh)}
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def api_routes() -> list[str]:
    """Every /api/ route of the URL conf as a path template: `/api/auctions/{pk}/start/`, with the URL conf's own
    parameter names. The catch-all JSON 404 is left out: it is not an endpoint."""
    routes = []

    def walk(resolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            pattern = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, prefix + pattern)
            elif isinstance(entry, URLPattern):
                full = prefix + pattern
                if full.startswith("api/") and full != "^api/":
                    routes.append(_template(full))

    walk(get_resolver(), "")
    return sorted(set(routes))


def _template(pattern: str) -> str:
    text = pattern.replace("^", "").replace("$", "").replace("\\Z", "")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)  # a router's regex group
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)  # a path converter
    return "/" + text.replace("\\.", ".")


@dataclass(frozen=True)
class Call:
    """How to call one route with one method: which objects its parameters name, and the body to send."""

    params: dict
    body: object = None


def fill(route: str, params: dict, objects: dict) -> str:
    values = {name: getattr(objects[key], "pk", objects[key]) for name, key in params.items()}
    return route.format(**values)


def first_bid(objects, tokens) -> dict:
    return {"amount": objects["active"].start_price, "idempotency_key": str(uuid.uuid4())}


def own_refresh_token(objects, tokens) -> dict:
    return {"refresh": tokens["refresh"] if tokens else "not-a-token"}


def in_an_hour(objects, tokens) -> dict:
    return {"starts_at": (timezone.now() + timezone.timedelta(hours=1)).isoformat()}
