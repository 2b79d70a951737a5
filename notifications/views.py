from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from auctions.models import Auction
from auctions.selectors import auction_get

from . import services
from .models import Notification, Watch
from .serializers import NotificationSerializer, WatchSerializer


class NotificationListView(generics.ListAPIView):
    """The signed-in user's notifications, newest first; `?unread=1` for the unread ones only."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("unread", bool, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = Notification.objects.filter(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset


class NotificationReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, notification_id: int):
        notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
        return Response(NotificationSerializer(services.notification_mark_read(notification=notification)).data)


class NotificationReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: None})
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


def _visible_auction(request, auction_id: int) -> Auction:
    """The lot as this user may see it: a draft is the organizers' alone, here as everywhere."""
    auction = auction_get(auction_id=auction_id, viewer=request.user)
    if auction is None:
        raise Http404
    return auction


class WatchView(APIView):
    """Follow (POST) or unfollow (DELETE) a lot."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={201: WatchSerializer})
    def post(self, request, auction_id: int):
        auction = _visible_auction(request, auction_id)
        watch = services.watch_follow(user=request.user, auction=auction)
        return Response(WatchSerializer(watch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, auction_id: int):
        auction = _visible_auction(request, auction_id)
        services.watch_unfollow(user=request.user, auction=auction)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WatchListView(generics.ListAPIView):
    """The lots the signed-in user follows."""

    serializer_class = WatchSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Watch.objects.filter(user=self.request.user).order_by("-created_at")
