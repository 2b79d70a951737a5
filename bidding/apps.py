from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = _("Bidding")

    def ready(self):
        # Connects the receivers of the lower layers' domain signals (accounts.signals).
        from . import receivers  # noqa: F401
