"""Notifications in the admin: who was told what, and which e-mails failed."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from licensing.admin.base import ReadOnlyMixin
from portal.audit.chain import record
from portal.notifications.models import EmailStatus, Notification, NotificationPreference
from portal.notifications.services import queue_email


@admin.action(description=_("E-mail the selected failed notifications again"), permissions=["retry"])
def email_again(modeladmin, request, queryset):
    now = timezone.now()
    with transaction.atomic():
        ids = list(queryset.filter(email_status=EmailStatus.FAILED).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(email_status=EmailStatus.PENDING, email_queued_at=now)
        for notification in Notification.objects.filter(pk__in=ids):
            record(
                actor=request.user,
                action="notification.email_again",
                obj=notification,
                reason=notification.email_last_error,
            )
        transaction.on_commit(lambda: [queue_email(pk) for pk in ids])
    messages.success(
        request,
        ngettext("%(n)d e-mail queued again.", "%(n)d e-mails queued again.", len(ids)) % {"n": len(ids)},
    )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "user",
        "kind",
        "subject",
        "statutory",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
    )
    list_filter = ("email_status", "kind", "statutory")
    list_select_related = ("user",)
    search_fields = ("user__email", "subject")
    date_hierarchy = "created_at"
    actions = (email_again,)

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_notification")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "reminders", "updated_at")
    list_filter = ("reminders",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)
