from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from portal.audit.actions import declare_kernel_actions

        declare_kernel_actions()
