from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        checks.register(checkpoint_key_check, checks.Tags.security, deploy=True)
        checks.register(previous_checkpoint_keys_check, checks.Tags.security)
        from portal.audit.actions import declare_kernel_actions

        declare_kernel_actions()


def checkpoint_key_check(app_configs, **kwargs):
    """Production signs audit checkpoints with a key the operator provides (docs/DEPLOY.md)."""
    from django.conf import settings

    if not settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH:
        return [
            checks.Error(
                "PORTAL_AUDIT_CHECKPOINT_KEY_PATH is not set: the audit trail cannot be checkpointed, "
                "so rows deleted or rewritten would go unnoticed.",
                hint="Point it at an Ed25519 private key (PEM, PKCS#8) of its own, outside the database "
                "(`manage.py signing_key new PATH` makes one).",
                id="audit.E001",
            )
        ]
    return []


def previous_checkpoint_keys_check(app_configs, **kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from portal.audit import checkpoint_key

    try:
        checkpoint_key.previous_public_keys()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS lists PEM files (or folders of *.pem) of "
                "retired checkpoint keys.",
                id="audit.E002",
            )
        ]
    return []
