"""Who may see the audit actions the kernel records (see portal.audit.visibility)."""

from django.utils.translation import gettext_lazy as _

from portal.audit.visibility import Visibility, declare_many

KERNEL = "portal"


def declare_kernel_actions() -> None:
    # Sign-ins and sessions (portal.accounts): security records, for the regulator only.
    declare_many(
        Visibility.INTERNAL,
        {
            "auth.login_succeeded": None,
            "auth.login_failed": None,
            "auth.second_factor_failed": None,
            "auth.login_locked": None,
            "auth.api_token_locked": None,
            "auth.session_expired": None,
        },
        declared_by=KERNEL,
    )
    # Staff access (portal.accounts.services): roles, passwords and second factors.
    declare_many(
        Visibility.INTERNAL,
        {
            "user.roles_change": None,
            "user.password_set": None,
            "user.mfa_reset": None,
        },
        declared_by=KERNEL,
    )
    # The firm's own API tokens (portal.api): its people created or revoked them.
    declare_many(
        Visibility.FIRM,
        {
            "api_token.create": _("created an API token"),
            "api_token.revoke": _("revoked an API token"),
        },
        declared_by=KERNEL,
    )
    # Deadlines, reminders, notifications and the business-day calendar: the regulator's
    # housekeeping (a firm learns of its deadlines from the deadline pages and e-mails).
    declare_many(
        Visibility.INTERNAL,
        {
            "deadline.missed": _("recorded a missed deadline"),
            "reminder.send_again": None,
            "notification.email_again": None,
            "holiday.admin_create": None,
            "holiday.admin_change": None,
            "holiday.admin_delete": None,
            "deadlinerule.admin_create": None,
            "deadlinerule.admin_change": None,
        },
        declared_by=KERNEL,
    )
