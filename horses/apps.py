from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HorsesConfig(AppConfig):
    name = "horses"
    verbose_name = _("Horses")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .catalogue_cache import catalogue_changed
        from .models import Horse, HorseDocument, HorsePhoto

        for model in (Horse, HorsePhoto, HorseDocument):
            post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}")
            post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}")
