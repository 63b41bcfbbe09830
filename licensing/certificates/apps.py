from django.apps import AppConfig
from django.core import checks


class CertificatesConfig(AppConfig):
    name = "licensing.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        checks.register(signing_key_check, checks.Tags.security, deploy=True)
        checks.register(previous_keys_check, checks.Tags.security)


def signing_key_check(app_configs, **kwargs):
    from django.conf import settings

    if not settings.PORTAL_SIGNING_KEY_PATH:
        return [
            checks.Error(
                "PORTAL_SIGNING_KEY_PATH is not set: certificates cannot be signed.",
                hint="Point it at the regulator's Ed25519 private key (PEM, PKCS#8).",
                id="certificates.E001",
            )
        ]
    return []


def previous_keys_check(app_configs, **kwargs):
    """Every retired key listed must be readable: certificates it signed verify only with it."""
    from django.core.exceptions import ImproperlyConfigured

    from . import signing

    try:
        signing.previous_public_keys()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="PORTAL_SIGNING_PREVIOUS_KEYS lists PEM files (or folders of *.pem) of retired keys.",
                id="certificates.E002",
            )
        ]
    return []
