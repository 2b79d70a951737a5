from rest_framework.routers import SimpleRouter

from .views import AuctionViewSet, InvoiceViewSet, SaleViewSet

router = SimpleRouter()
router.register("auctions", AuctionViewSet, basename="auction")
router.register("sales", SaleViewSet, basename="sale")
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = router.urls
