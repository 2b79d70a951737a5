from django.urls import path

from . import views

urlpatterns = [
    path("auctions/<int:auction_id>/bids/", views.AuctionBidsView.as_view(), name="auction-bids"),
    path("auctions/<int:auction_id>/max-bid/", views.MaxBidView.as_view(), name="auction-max-bid"),
    path("me/bids/", views.MyBidsView.as_view(), name="my-bids"),
]
