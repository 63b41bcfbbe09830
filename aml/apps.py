from django.apps import AppConfig


class AmlConfig(AppConfig):
    name = "aml"
    verbose_name = "AML registry"

    def ready(self):
        from aml.audit_actions import declare_aml_actions

        declare_aml_actions()
