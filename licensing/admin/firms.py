"""Firms, the people who act for them, and the history of their authorisation stage."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import (
    ChangedFieldsOnlyMixin,
    NeverDeleteMixin,
    ReadOnlyMixin,
    ReadOnlyTabularInline,
)
from licensing.admin.forms import FirmAdminForm, ReasonForm
from licensing.admin.transitions import Transition, TransitionAdminMixin
from licensing.models import Firm, FirmChangeRequest, FirmMembership, FirmStageChange, ForeignLicence
from licensing.models.firms import IDENTITY_FIELDS
from licensing.operating import licence_expiry_subquery
from licensing.services import change_requests
from licensing.services import firms as firm_services


class FirmMembershipInline(admin.TabularInline):
    model = FirmMembership
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class ForeignLicenceInline(ReadOnlyTabularInline):
    """Kept by the firm on its profile; shown here for reference."""

    model = ForeignLicence
    fields = ("regulator", "jurisdiction", "licence_number", "activity")
    show_change_link = False


class FirmStageChangeInline(ReadOnlyTabularInline):
    model = FirmStageChange
    fields = ("effective_at", "from_stage", "to_stage", "actor", "reason")
    show_change_link = False
    verbose_name_plural = _("stage history")
    list_select_related = ("actor",)


@admin.register(Firm)
class FirmAdmin(TransitionAdminMixin, ChangedFieldsOnlyMixin, NeverDeleteMixin, admin.ModelAdmin):
    form = FirmAdminForm
    list_display = (
        "legal_name",
        "reference_number",
        "stage",
        "stage_changed_at",
        "may_operate_flag",
        "incorporation_country",
        "lei",
    )
    list_filter = ("stage", "incorporation_country")
    search_fields = ("legal_name", "reference_number", "lei", "local_company_number", "ntn")
    readonly_fields = ("reference_number", "stage", "stage_changed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("legal_name", "trading_names", "lei")}),
        (
            _("Incorporation"),
            {
                "fields": (
                    "incorporation_country",
                    "incorporation_number",
                    "local_company_number",
                    "ntn",
                    "registered_address",
                )
            },
        ),
        (_("Contact"), {"fields": ("website", "contact_email", "contact_phone")}),
        (
            _("Authorisation"),
            {"fields": ("reference_number", "stage", "stage_changed_at", "created_at", "updated_at")},
        ),
    )
    inlines = (FirmMembershipInline, ForeignLicenceInline, FirmStageChangeInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    transition_id_kwarg = "firm_id"
    transitions = (
        Transition("suspend", _("Suspend"), firm_services.firm_suspend, ReasonForm, decision=True),
        Transition(
            "lift_suspension",
            _("Lift suspension"),
            firm_services.firm_lift_suspension,
            ReasonForm,
            decision=True,
        ),
        Transition("revoke", _("Revoke"), firm_services.firm_revoke, ReasonForm, decision=True),
        Transition(
            "surrender", _("Record surrender"), firm_services.firm_surrender, ReasonForm, decision=True
        ),
    )

    def get_queryset(self, request):
        # What "may operate" reads (licensing.operating), in the list's own query.
        return super().get_queryset(request).annotate(licence_expires_on=licence_expiry_subquery())

    @admin.display(boolean=True, description=_("may operate"))
    def may_operate_flag(self, obj):
        return obj.may_operate

    def get_readonly_fields(self, request, obj=None):
        """The firm's identity is never edited here: the firm's principal changes it (before its
        first submission) or asks for a change a case officer approves (Firm change requests)."""
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        return (*fields, *(f for f in IDENTITY_FIELDS if f != "trading_names"), "trading_names_shown")

    def get_fieldsets(self, request, obj=None):
        """On a firm's page its trading names are read as names, one per line (never as JSON)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (title, {**options, "fields": [_shown(f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=_("Trading names"))
    def trading_names_shown(self, obj):
        return format_html_join(mark_safe("<br>"), "{}", ((name,) for name in obj.trading_names)) or "—"


def _shown(field: str) -> str:
    return "trading_names_shown" if field == "trading_names" else field


class ApprovalNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Note to the firm (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Recorded in the audit trail with your name and the time."),
    )


@admin.register(FirmChangeRequest)
class FirmChangeRequestAdmin(TransitionAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Requests to change a firm's identity: decided here through the same service as the
    staff page (only case officers may decide)."""

    list_display = ("firm", "kind", "status", "created_at", "requested_by", "decided_at", "decided_by")
    list_filter = ("status", "kind")
    search_fields = ("firm__legal_name", "firm__reference_number")
    list_select_related = ("firm", "requested_by", "decided_by")
    fields = (
        "firm",
        "kind",
        "status",
        "changes",
        "reason",
        "requested_by",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    )

    transition_id_kwarg = "request_id"
    transitions = (
        Transition(
            "approve", _("Approve the change"), change_requests.firm_change_request_approve, ApprovalNoteForm
        ),
        Transition("refuse", _("Refuse the change"), change_requests.firm_change_request_refuse, ReasonForm),
    )
