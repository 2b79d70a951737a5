from rest_framework.routers import SimpleRouter

from .views import AuctionViewSet

router = SimpleRouter()
router.register("auctions", AuctionViewSet, basename="auction")

urlpatterns = router.urls
