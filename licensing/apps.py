from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        from licensing.reference_data import ensure_reference_data
        from licensing.register import cache as register_cache

        post_migrate.connect(ensure_reference_data, sender=self, dispatch_uid="licensing.reference_data")
        register_cache.connect()
