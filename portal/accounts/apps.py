from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from portal.runtime import shared_cache_check

        # Two-factor codes used once and the sign-in lockouts live in the cache (ADR 0008).
        checks.register(shared_cache_check, checks.Tags.caches, deploy=True)

        from portal.accounts.roles import sync_staff_groups

        post_migrate.connect(sync_staff_groups, dispatch_uid="accounts.sync_staff_groups")

        from portal.accounts import security

        security.connect()

        from portal.accounts import language

        language.connect()
