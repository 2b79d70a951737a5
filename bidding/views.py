from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from auctions.models import Auction
from config.parsers import StrictJSONParser
from config.schema import error_responses

from . import errors, services
from .models import Bid, BidSource
from .serializers import (
    BidCreateSerializer,
    BidSerializer,
    MaxBidSerializer,
    MaxBidWriteSerializer,
    MyBidSerializer,
    OwnBidSerializer,
    StaffBidSerializer,
)


def client_address(request) -> str | None:
    """The caller's address, honouring NUM_PROXIES the same way the throttles do."""
    return BaseThrottle().get_ident(request) or None


class AuctionBidsView(generics.ListCreateAPIView):
    """GET: the bid history of one auction, highest first. POST: place a bid (rule 3)."""

    parser_classes = [StrictJSONParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_serializer_class(self):
        if self.request.method == "POST":
            return BidCreateSerializer
        user = self.request.user
        return StaffBidSerializer if user.is_authenticated and user.is_staff else BidSerializer

    def get_queryset(self):
        auction_id = self.kwargs["auction_id"]
        if not Auction.objects.filter(pk=auction_id).exists():
            raise Http404
        return Bid.objects.filter(auction_id=auction_id).select_related("bidder").order_by("-amount")

    @extend_schema(request=BidCreateSerializer, responses={201: OwnBidSerializer})
    def post(self, request, auction_id: int):
        serializer = BidCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = services.bid_place(
            auction_id=auction_id,
            user=request.user,
            amount=serializer.validated_data["amount"],
            idempotency_key=serializer.validated_data["idempotency_key"],
            client_address=client_address(request),
            source=BidSource.REST,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(OwnBidSerializer(outcome.bid).data, status=status.HTTP_201_CREATED, headers=headers)


class MyBidsView(generics.ListAPIView):
    """The signed-in user's own bids, newest first."""

    serializer_class = MyBidSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Bid.objects.filter(bidder=self.request.user).select_related("auction__horse").order_by("-placed_at")


# The socket side of PUT max-bid, for the OpenAPI document (OpenAPI has no words for WebSocket frames).
MAX_BID_SOCKET_FRAMES = {
    "path": "/ws/auctions/",
    "send": {
        "type": "auction:max_bid",
        "properties": {"auction_id": "integer", "max_amount": "integer (yen)", "idempotency_key": "string (UUID)"},
    },
    "receive": [
        {
            "type": "auction:max_bid:accepted",
            "properties": {
                "auction_id": "integer",
                "idempotency_key": "string",
                "max_bid": "MaxBid",
                "server_time": "integer (ms)",
            },
        },
        {
            "type": "auction:max_bid:rejected",
            "properties": {
                "auction_id": "integer",
                "idempotency_key": "string",
                "code": "string",
                "detail": "string",
                "server_time": "integer (ms)",
            },
        },
    ],
}


class MaxBidView(generics.GenericAPIView):
    """One's own maximum bid on a lot (rule 10): GET it, PUT to set or raise it, DELETE to withdraw it (only
    while not leading). Nobody else's maximum is ever shown."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [StrictJSONParser]
    serializer_class = MaxBidSerializer

    @extend_schema(
        summary="My maximum bid on this lot",
        responses={200: MaxBidSerializer, **error_responses(401, 404, 429)},
        description="404 `max_bid_not_found` when the user has no standing maximum on the lot.",
    )
    def get(self, request, auction_id: int):
        maximum = services.max_bid_get(auction_id=auction_id, user=request.user)
        if maximum is None:
            raise errors.MaxBidNotFound()
        outcome = services.MaxBidOutcome(max_bid=maximum, auction=maximum.auction)
        return Response(MaxBidSerializer(outcome).data)

    @extend_schema(
        summary="Set or raise my maximum bid",
        request=MaxBidWriteSerializer,
        responses={200: MaxBidSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
        description=(
            "Set or raise (never lower) a maximum: on the step grid, at least the next valid bid, within the "
            "fat-finger guard and the credit limit (which counts the bidder's other leads and maxima). It counts "
            "against the bid rate limit. When the user does not lead, it bids at once (`automatic_bids`). The same "
            "`idempotency_key` again returns the maximum without change (header `Idempotent-Replayed`); with "
            "another amount it is `idempotency_conflict`. Refusal codes are a bid's (`bid_too_low`, "
            "`bid_off_increment`, `bid_too_high`, `credit_limit`, `rate_limited`, `auction_not_active`, "
            "`auction_ended`, `own_horse`, `not_allowed`, `invalid_amount`…) and `max_bid_lowered`.\n\n"
            "The same over the socket (`/ws/auctions/`, after `auction:join`): send `auction:max_bid` "
            "`{auction_id, max_amount, idempotency_key}`; the sender alone is answered `auction:max_bid:accepted` "
            "`{auction_id, idempotency_key, max_bid}` (`max_bid` is this operation's 200 body) or "
            "`auction:max_bid:rejected` `{auction_id, idempotency_key, code, detail, …}` (see `x-websocket`). "
            "Watchers see only the automatic bids, as `auction:update`; never the maximum."
        ),
        extensions={"x-websocket": MAX_BID_SOCKET_FRAMES},
    )
    def put(self, request, auction_id: int):
        serializer = MaxBidWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = services.max_bid_set(
            auction_id=auction_id,
            user=request.user,
            max_amount=serializer.validated_data["max_amount"],
            idempotency_key=serializer.validated_data["idempotency_key"],
            client_address=client_address(request),
            source=BidSource.REST,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(MaxBidSerializer(outcome).data, headers=headers)

    @extend_schema(
        summary="Withdraw my maximum bid",
        request=None,
        responses={204: None, **error_responses(401, 404, 409, 429)},
        description="Only while not leading (409 `max_bid_leading`); 404 `max_bid_not_found` when there is none.",
    )
    def delete(self, request, auction_id: int):
        services.max_bid_withdraw(auction_id=auction_id, user=request.user, client_address=client_address(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
