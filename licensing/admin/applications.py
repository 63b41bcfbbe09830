"""Applications and their review records. All are made by the service layer: the admin
shows them and offers the transitions, but never edits them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import ReadOnlyMixin, ReadOnlyTabularInline
from licensing.admin.filters import ApplicationOverdueFilter, OverdueFilter
from licensing.admin.forms import (
    AnswerForm,
    ConfirmForm,
    DecideForm,
    InformationRequestForm,
    ReasonForm,
    RecommendForm,
    SubmitForm,
)
from licensing.admin.transitions import Transition, TransitionAdminMixin
from licensing.models import (
    Application,
    BeneficialOwner,
    Decision,
    InformationRequest,
    InformationRequestStatus,
    KeyIndividual,
    Recommendation,
)
from licensing.services import applications as services
from portal.dates import local_today


class InformationRequestInline(ReadOnlyTabularInline):
    model = InformationRequest
    fields = ("created_at", "raised_by", "items", "due_on", "status", "responded_at")
    list_select_related = ("raised_by",)


class RecommendationInline(ReadOnlyTabularInline):
    model = Recommendation
    fields = ("created_at", "officer", "outcome", "reasons", "proposed_conditions", "is_current")
    list_select_related = ("officer",)


class KeyIndividualInline(ReadOnlyTabularInline):
    model = KeyIndividual
    fields = ("role", "full_name", "identity_type", "nationality", "date_of_birth", "is_employee")
    show_change_link = False


class BeneficialOwnerInline(ReadOnlyTabularInline):
    model = BeneficialOwner
    fields = ("name", "kind", "country", "ownership_percent")
    show_change_link = False


class DecisionInline(ReadOnlyTabularInline):
    model = Decision
    fields = ("created_at", "approver", "outcome", "reasons")
    list_select_related = ("approver",)


@admin.register(Application)
class ApplicationAdmin(TransitionAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "display_reference",
        "firm",
        "kind",
        "status",
        "assigned_officer",
        "submitted_at",
        "status_changed_at",
        "firm_changed_at",
    )
    list_filter = (
        "status",
        "kind",
        ("assigned_officer", admin.RelatedOnlyFieldListFilter),
        ("firm", admin.RelatedOnlyFieldListFilter),
        ApplicationOverdueFilter,
    )
    list_select_related = ("firm", "assigned_officer")
    search_fields = ("reference", "firm__legal_name", "firm__reference_number")
    date_hierarchy = "submitted_at"
    inlines = (
        KeyIndividualInline,
        BeneficialOwnerInline,
        InformationRequestInline,
        RecommendationInline,
        DecisionInline,
    )

    transition_id_kwarg = "application_id"
    transitions = (
        Transition("submit", _("Submit"), services.application_submit, SubmitForm),
        Transition("start_review", _("Start review"), services.application_start_review, ConfirmForm),
        Transition(
            "request_information",
            _("Request information"),
            services.information_request_create,
            InformationRequestForm,
        ),
        Transition(
            "answer_information_request",
            _("Answer the information request"),
            services.information_request_answer,
            AnswerForm,
        ),
        Transition("recommend", _("Recommend"), services.application_recommend, RecommendForm),
        Transition(
            "decide", _("Decide"), services.application_decide, DecideForm, guard="approve", decision=True
        ),
        Transition("withdraw", _("Withdraw"), services.application_withdraw, ReasonForm),
    )

    @admin.display(description=_("reference"), ordering="reference")
    def display_reference(self, obj):
        return obj.reference or _("draft %(id)s") % {"id": obj.pk}


@admin.register(InformationRequest)
class InformationRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "status", "due_on", "is_overdue", "raised_by", "created_at", "responded_at")
    list_filter = (
        "status",
        OverdueFilter,
        ("raised_by", admin.RelatedOnlyFieldListFilter),
        ("application__firm", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("application__firm", "raised_by")
    search_fields = ("application__reference", "application__firm__legal_name")
    date_hierarchy = "due_on"

    @admin.display(boolean=True, description=_("overdue"))
    def is_overdue(self, obj):
        return obj.status == InformationRequestStatus.OPEN and obj.due_on < local_today()


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("application", "outcome", "officer", "is_current", "created_at")
    list_filter = (
        "outcome",
        "is_current",
        ("officer", admin.RelatedOnlyFieldListFilter),
        ("application__firm", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("application__firm", "officer")
    search_fields = ("application__reference", "application__firm__legal_name", "reasons")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("application", "outcome", "approver", "recommended_by", "created_at")
    list_filter = (
        "outcome",
        ("approver", admin.RelatedOnlyFieldListFilter),
        ("application__firm", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("application__firm", "approver", "recommended_by")
    search_fields = ("application__reference", "application__firm__legal_name", "reasons")
