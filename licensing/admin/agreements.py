"""MoUs and letters of intent: staff record them here; extending, signing the definitive
agreement and terminating are transitions served by the same service functions as
everywhere else. The window's deadline and its reminders are shown below each agreement."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import ChangedFieldsOnlyMixin, NeverDeleteMixin, ReadOnlyTabularInline
from licensing.admin.forms import ReasonForm
from licensing.admin.transitions import Transition, TransitionAdminMixin
from licensing.models import Agreement, AgreementExtension
from licensing.services import agreements as services
from portal.accounts.models import User
from portal.accounts.roles import StaffRole
from portal.deadlines import services as deadlines
from portal.deadlines.models import Deadline

# Service keyword → form field, for putting a service's field errors next to the field.
FIELD_OF = {"owner_id": "owner", "co_owner_ids": "co_owners", "counterparty_firm_id": "counterparty_firm"}
RECORD_FIELDS = (
    "kind",
    "title",
    "scope",
    "government_party",
    "counterparty_firm",
    "counterparty_name",
    "value",
    "currency",
    "signed_on",
    "binding",
    "window_months",
    "owner",
    "co_owners",
)


def staff_users():
    return User.objects.filter(is_active=True, groups__name__in=[r.value for r in StaffRole]).distinct()


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = RECORD_FIELDS
        help_texts = {"window_months": _("Leave empty for the rule's default (six months).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "co_owners"):
            if name in self.fields:
                self.fields[name].queryset = staff_users()

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            errors = services.check_record(**record_kwargs(data))
            for key, messages in errors.items():
                field = FIELD_OF.get(key, key)
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages)
                elif field not in self.fields:
                    self.add_error(None, messages)
        return data


def record_kwargs(data: dict) -> dict:
    """The agreement_record / check_record keywords from the add form's cleaned data."""
    firm = data.get("counterparty_firm")
    owner = data.get("owner")
    return {
        "kind": data.get("kind"),
        "title": data.get("title") or "",
        "scope": data.get("scope") or "",
        "counterparty_firm_id": firm.pk if firm else None,
        "counterparty_name": data.get("counterparty_name") or "",
        "value": data.get("value"),
        "currency": data.get("currency") or "",
        "signed_on": data.get("signed_on"),
        "window_months": data.get("window_months"),
        "owner_id": owner.pk if owner else None,
        "co_owner_ids": [u.pk for u in data.get("co_owners") or []],
    }


class ExtendForm(forms.Form):
    new_due_on = forms.DateField(label=_("New date for the definitive agreement"), widget=AdminDateWidget)
    reason = ReasonForm.base_fields["reason"]


class SignDefinitiveForm(forms.Form):
    signed_on = forms.DateField(label=_("Definitive agreement signed on"), widget=AdminDateWidget)
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class AgreementExtensionInline(ReadOnlyTabularInline):
    model = AgreementExtension
    fields = ("created_at", "previous_due_on", "new_due_on", "reason", "actor")
    show_change_link = False
    list_select_related = ("actor",)


class AgreementDeadlineInline(ReadOnlyTabularInline):
    model = Deadline
    fk_name = "agreement"
    fields = ("kind", "status", "due_on", "original_due_on", "responsible", "next_action_at", "closed_at")
    verbose_name_plural = _("deadline")
    list_select_related = ("responsible",)


@admin.register(Agreement)
class AgreementAdmin(TransitionAdminMixin, ChangedFieldsOnlyMixin, NeverDeleteMixin, admin.ModelAdmin):
    form = AgreementForm
    list_display = (
        "title",
        "counterparty_label",
        "kind",
        "status",
        "signed_on",
        "definitive_due_on",
        "owner",
        "binding",
    )
    list_filter = ("status", "kind", "binding", ("owner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("counterparty_firm", "owner")
    search_fields = ("title", "scope", "counterparty_name", "counterparty_firm__legal_name")
    date_hierarchy = "signed_on"
    autocomplete_fields = ("counterparty_firm",)
    filter_horizontal = ("co_owners",)
    inlines = (AgreementExtensionInline, AgreementDeadlineInline)

    transition_id_kwarg = "agreement_id"
    transitions = (
        Transition("extend", _("Extend the window"), services.agreement_extend, ExtendForm),
        Transition(
            "sign_definitive",
            _("Record the definitive agreement"),
            services.agreement_sign_definitive,
            SignDefinitiveForm,
        ),
        Transition("terminate", _("Terminate"), services.agreement_terminate, ReasonForm),
    )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()  # nothing to show before it exists

    def get_fields(self, request, obj=None):
        if obj is None:
            return RECORD_FIELDS
        return (*RECORD_FIELDS, "definitive_due_on", "definitive_signed_on", "status", "status_changed_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # What fixes the window, and the state, change only through the transitions.
        return (
            "kind",
            "counterparty_firm",
            "signed_on",
            "window_months",
            "definitive_due_on",
            "definitive_signed_on",
            "status",
            "status_changed_at",
        )

    @admin.display(description=_("counterparty"), ordering="counterparty_name")
    def counterparty_label(self, obj):
        return obj.counterparty

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                if "owner" in form.changed_data:
                    deadlines.assign(None, responsible=obj.owner, agreement=obj)
            return
        data = form.cleaned_data
        created = services.agreement_record(
            actor=request.user,
            government_party=data.get("government_party") or "",
            binding=bool(data.get("binding")),
            **record_kwargs(data),
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if change:  # on add, agreement_record already set the co-owners
            super().save_related(request, form, formsets, change)
