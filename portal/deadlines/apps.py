from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_default_rules(sender=None, **kwargs):
    from portal.deadlines.defaults import ensure_rules
    from portal.deadlines.models import DeadlineRule

    ensure_rules(DeadlineRule)


class DeadlinesConfig(AppConfig):
    name = "portal.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines and reminders")

    def ready(self):
        post_migrate.connect(ensure_default_rules, sender=self, dispatch_uid="deadlines.ensure_default_rules")
