from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "licensing.staff"
    label = "staff"
    verbose_name = "Staff workspace"
