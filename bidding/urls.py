from django.urls import path

from . import views

urlpatterns = [
    path("auctions/<int:auction_id>/bids/", views.AuctionBidsView.as_view(), name="auction-bids"),
    path("me/bids/", views.MyBidsView.as_view(), name="my-bids"),
]
