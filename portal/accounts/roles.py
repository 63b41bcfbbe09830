"""Regulator staff roles, as Django groups with model permissions.

The groups and their permissions are declared here and kept in sync after every
migrate, so a fresh database and a production one agree. Administrators may edit
membership in the Django admin; the permission sets are code, reviewed like code.
"""

import enum

from django.utils.translation import gettext_lazy as _


class StaffRole(enum.StrEnum):
    CASE_OFFICER = "Case officer"
    APPROVER = "Approver"
    AML_OFFICER = "AML officer"
    SUPERVISOR = "Read-only supervisor"
    ADMINISTRATOR = "Administrator"

    @property
    def label(self):
        return _(self.value)


_VIEW_ALL = [
    "licensing.view_firm",
    "licensing.view_firmmembership",
    "licensing.view_application",
    "licensing.view_informationrequest",
    "licensing.view_recommendation",
    "licensing.view_decision",
    "licensing.view_noc",
    "licensing.view_licence",
    "licensing.view_firmstagechange",
    "licensing.view_firmchangerequest",
    "licensing.view_activity",
    "aml.view_amlregistration",
    "audit.view_auditevent",
    "licensing.view_agreement",
    "licensing.view_agreementextension",
    "deadlines.view_deadline",
    "deadlines.view_deadlinerule",
    "deadlines.view_reminder",
    "businessdays.view_holiday",
]

# Recording MoUs and letters of intent and moving them on (senior officials).
_AGREEMENTS = ["licensing.manage_agreement", "licensing.add_agreement", "licensing.change_agreement"]

ROLE_PERMISSIONS: dict[StaffRole, list[str]] = {
    StaffRole.CASE_OFFICER: _VIEW_ALL + ["licensing.review_application"],
    StaffRole.APPROVER: _VIEW_ALL
    + ["licensing.decide_application", "licensing.supervise_firm", "aml.view_screeningalert", *_AGREEMENTS],
    StaffRole.AML_OFFICER: _VIEW_ALL
    + [
        "aml.verify_amlregistration",
        "aml.view_screeningalert",
        "aml.decide_screeningalert",
        "aml.view_sanctionslist",
        "aml.view_listversion",
        "aml.view_listentry",
    ],
    StaffRole.SUPERVISOR: list(_VIEW_ALL),
    StaffRole.ADMINISTRATOR: _VIEW_ALL
    + [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "auth.change_group",
        "licensing.add_activity",
        "licensing.change_activity",
        "licensing.add_firm",
        "licensing.change_firm",
        "licensing.add_firmmembership",
        "licensing.change_firmmembership",
        "licensing.delete_firmmembership",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        # The deadline engine's policy, the holiday calendar, and failed deliveries.
        "deadlines.change_deadlinerule",
        "deadlines.change_reminder",
        "businessdays.add_holiday",
        "businessdays.change_holiday",
        "businessdays.delete_holiday",
        "notifications.view_notification",
        "notifications.change_notification",
        "notifications.view_notificationpreference",
        "notifications.change_notificationpreference",
        *_AGREEMENTS,
    ],
}


def sync_staff_groups(sender=None, **kwargs):
    """Create each role's group and give it exactly its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app, and the permissions of later apps do not exist
    # yet on the first calls; syncing on each call is cheap and ends complete.
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
