from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portal.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from portal.api import authentication  # noqa: F401 - registers the OpenAPI extension
