"""Deadline policy (editable), deadlines and reminders (shown; failed ones can be sent again)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from licensing.admin.base import ChangedFieldsOnlyMixin, ReadOnlyMixin, ReadOnlyTabularInline
from portal.audit.chain import record
from portal.deadlines.models import Deadline, DeadlinePause, DeadlineRule, Reminder, ReminderStatus


class OffsetsField(forms.CharField):
    """Reminder offsets typed as "90, 30, 7, 1, 0"."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give whole numbers of days separated by commas.")) from None


class DeadlineRuleForm(forms.ModelForm):
    reminder_offsets = OffsetsField(
        label=_("Reminders (days before)"),
        required=False,
        help_text=_("e.g. 90, 30, 7, 1, 0 — 0 is the due date itself. Leave empty for no reminders."),
    )

    class Meta:
        model = DeadlineRule
        fields = (
            "kind",
            "amount",
            "unit",
            "reminder_offsets",
            "audience",
            "staff_role",
            "escalation_role",
            "pausable",
            "escalate",
            "lapse",
            "statutory",
            "is_active",
            "description",
        )


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ChangedFieldsOnlyMixin, admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = (
        "kind",
        "amount",
        "unit",
        "offsets",
        "audience",
        "staff_role",
        "escalation_role",
        "pausable",
        "escalate",
        "lapse",
        "statutory",
        "is_active",
    )
    list_filter = ("audience", "escalate", "lapse", "statutory", "is_active")
    readonly_fields = ("kind", "updated_at")

    def has_add_permission(self, request):
        return False  # one rule per kind, created by migration

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead

    @admin.display(description=_("reminders (days before)"))
    def offsets(self, obj):
        return ", ".join(str(v) for v in obj.reminder_offsets) or "—"


class DeadlinePauseInline(ReadOnlyTabularInline):
    model = DeadlinePause
    fields = ("paused_at", "resumed_at", "days", "reason")
    show_change_link = False


class ReminderInline(ReadOnlyTabularInline):
    model = Reminder
    fields = (
        "milestone",
        "due_on",
        "scheduled_for",
        "status",
        "attempts",
        "sent_at",
        "outcome",
        "last_error",
    )


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Open and past due")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.now())
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "subject_label",
        "status",
        "due_on",
        "responsible",
        "paused_days",
        "next_action_at",
    )
    list_filter = ("status", "kind", OverdueFilter, ("responsible", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("firm", "application__firm", "information_request__application__firm", "agreement")
    list_select_related += ("agreement__counterparty_firm", "responsible")
    search_fields = ("firm__legal_name", "application__reference", "agreement__title")
    date_hierarchy = "due_on"
    inlines = (DeadlinePauseInline, ReminderInline)

    @admin.display(description=_("subject"))
    def subject_label(self, obj):
        return obj.subject_label


@admin.action(description=_("Send the selected failed reminders again"), permissions=["retry"])
def send_again(modeladmin, request, queryset):
    from portal.deadlines.sweep import queue_reminder

    now = timezone.now()
    with transaction.atomic():
        ids = list(queryset.filter(status=ReminderStatus.FAILED).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=ids).update(status=ReminderStatus.PENDING, queued_at=now)
        for reminder in Reminder.objects.filter(pk__in=ids).select_related("deadline__firm"):
            record(actor=request.user, action="reminder.send_again", obj=reminder, reason=reminder.last_error)
        transaction.on_commit(lambda: [queue_reminder(pk) for pk in ids])
    messages.success(
        request,
        ngettext("%(n)d reminder queued again.", "%(n)d reminders queued again.", len(ids)) % {"n": len(ids)},
    )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "deadline",
        "milestone",
        "due_on",
        "status",
        "scheduled_for",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "milestone", "deadline__kind")
    list_select_related = ("deadline__firm", "deadline__application__firm", "deadline__agreement")
    list_select_related += ("deadline__information_request__application__firm",)
    list_select_related += ("deadline__agreement__counterparty_firm",)
    date_hierarchy = "scheduled_for"
    actions = (send_again,)

    def has_retry_permission(self, request):
        return request.user.has_perm("deadlines.change_reminder")
