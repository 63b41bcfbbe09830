from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_migrate


def clamd_url_check(app_configs, **kwargs):
    """CLAMD_URL, when set, must be an address the scanner can be reached at."""
    from licensing.antivirus import parse_url

    url = settings.CLAMD_URL.strip()
    if not url:
        return []
    try:
        parse_url(url)
    except ValueError as error:
        return [
            checks.Warning(
                f"CLAMD_URL={url!r} cannot be used: {error}. Every upload will be refused as "
                "impossible to scan until it is corrected.",
                hint="Use tcp://HOST:PORT or unix:///absolute/path/to/clamd.socket, or leave it empty.",
                id="licensing.W001",
            )
        ]
    return []


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        checks.register(clamd_url_check, checks.Tags.security)
        from licensing.audit_actions import declare_licensing_actions
        from licensing.reference_data import ensure_reference_data
        from licensing.register import cache as register_cache

        post_migrate.connect(ensure_reference_data, sender=self, dispatch_uid="licensing.reference_data")
        register_cache.connect()
        declare_licensing_actions()
