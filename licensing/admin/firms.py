"""Firms, the people who act for them, and the history of their authorisation stage."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import ChangedFieldsOnlyMixin, NeverDeleteMixin, ReadOnlyTabularInline
from licensing.admin.forms import FirmAdminForm, ReasonForm
from licensing.admin.transitions import Transition, TransitionAdminMixin
from licensing.models import Firm, FirmMembership, FirmStageChange, ForeignLicence
from licensing.operating import licence_expiry_subquery
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
