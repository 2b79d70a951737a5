from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from auctions.models import Auction
from config.parsers import StrictJSONParser

from . import services
from .models import Bid, BidSource
from .serializers import BidCreateSerializer, BidSerializer, MyBidSerializer, OwnBidSerializer, StaffBidSerializer


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
