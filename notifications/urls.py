from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("notifications/<int:notification_id>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("auctions/<int:auction_id>/watch/", views.WatchView.as_view(), name="auction-watch"),
    path("watchlist/", views.WatchListView.as_view(), name="watchlist"),
]
