from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HorsesConfig(AppConfig):
    name = "horses"
    verbose_name = _("Horses")
