"""AML registrations: filed by the firm through the portal, verified here or in the staff UI."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aml import services
from aml.models import AmlRegistration, ListEntry, ListVersion, SanctionsList, ScreeningAlert
from licensing.admin.base import ReadOnlyMixin
from licensing.admin.forms import LinesField, ReasonForm
from licensing.admin.transitions import Transition, TransitionAdminMixin


class ReturnForm(forms.Form):
    remedial_actions = LinesField(
        label=_("Remedial actions"), help_text=_("One action the firm must take per line.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Leave empty to record the remedial actions as the reason."),
    )


@admin.register(AmlRegistration)
class AmlRegistrationAdmin(TransitionAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "firm",
        "status",
        "goaml_org_id",
        "goaml_registered_on",
        "submitted_at",
        "verified_by",
        "verified_at",
    )
    list_filter = (
        "status",
        ("verified_by", admin.RelatedOnlyFieldListFilter),
        ("firm", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("firm", "verified_by")
    search_fields = ("firm__legal_name", "firm__reference_number", "goaml_org_id", "mlro_name")

    transition_id_kwarg = "registration_id"
    transitions = (
        Transition("register", _("Register"), services.aml_registration_register, ReasonForm),
        Transition(
            "return",
            _("Return with remedial actions"),
            services.aml_registration_return,
            ReturnForm,
            guard="return_for_remedy",
        ),
    )


# --- Sanctions lists and screening: read-only here. Lists change only by import
# (`manage.py import_sanctions_list`); alerts are decided on the staff screening pages.


@admin.register(SanctionsList)
class SanctionsListAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "code", "source_format", "is_active")
    search_fields = ("name", "code")


@admin.register(ListVersion)
class ListVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("sanctions_list", "imported_at", "source_name", "entries", "added", "removed", "changed")
    list_filter = ("sanctions_list",)
    list_select_related = ("sanctions_list",)
    search_fields = ("source_name", "sha256")


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "reference", "kind", "sanctions_list", "changed_in", "removed_in")
    list_filter = ("sanctions_list", "kind", ("removed_in", admin.EmptyFieldListFilter))
    list_select_related = ("sanctions_list", "changed_in", "removed_in")
    search_fields = ("name", "reference")


@admin.register(ScreeningAlert)
class ScreeningAlertAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("subject_name", "entry", "firm", "score", "status", "created_at")
    list_filter = ("status", ("firm", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("entry", "firm")
    search_fields = ("subject_name", "firm__legal_name", "entry__name", "entry__reference")
