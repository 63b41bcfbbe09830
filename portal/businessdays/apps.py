from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessDaysConfig(AppConfig):
    name = "portal.businessdays"
    label = "businessdays"
    verbose_name = _("Business-day calendar")
