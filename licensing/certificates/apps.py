from django.apps import AppConfig
from django.core import checks


class CertificatesConfig(AppConfig):
    name = "licensing.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        checks.register(signing_key_check, checks.Tags.security, deploy=True)


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
