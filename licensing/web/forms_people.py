"""Forms for the key individuals and beneficial owners of an application.

They check formats and the rules on one record (the same rule functions the services run
again under lock); rules across records (one MLRO, owners up to 100 %) come back from the
service as field errors.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import BeneficialOwner, KeyIndividual
from licensing.models.people import IdentityType, OwnerKind
from licensing.services.application_people import key_individual_errors, owner_errors
from licensing.validators import refuse_lone_surrogates
from licensing.web.forms_application import plain_required_messages
from licensing.web.forms_firm import CountryField
from portal.form_dates import date_field

_CNIC_DIGITS = re.compile(r"^\d{13}$")


def _country_field(label, *, required=True, help_text=None):
    return CountryField(label=label, required=required, help_text=help_text)


def _date_field(label, *, required=True):
    return date_field(label, required=required)


class _RuleForm(forms.ModelForm):
    """Runs the service's one-record rules in clean() and shows them beside each field."""

    rule_fields: tuple[str, ...] = ()
    rules = None  # the service's rule function: values -> {field: [messages]}
    conditional_fields: tuple[str, ...] = ()  # needed only after another answer
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_required_messages(self)
        refuse_lone_surrogates(self)

    def clean(self):
        cleaned = super().clean()
        values = {f: cleaned.get(f) for f in self.rule_fields}
        for field, messages in self.rules(values).items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class KeyIndividualForm(_RuleForm):
    rules = staticmethod(key_individual_errors)
    conditional_fields = ("cnic", "passport_number", "passport_country")
    rule_fields = (
        "role",
        "identity_type",
        "cnic",
        "passport_number",
        "passport_country",
        "date_of_birth",
        "is_employee",
    )

    nationality = _country_field(_("Nationality"))
    passport_country = _country_field(_("Country that issued the passport"), required=False)
    date_of_birth = _date_field(_("Date of birth"))
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"class": "ltr-value"}))

    class Meta:
        model = KeyIndividual
        fields = (
            "role",
            "full_name",
            "identity_type",
            "cnic",
            "passport_number",
            "passport_country",
            "nationality",
            "date_of_birth",
            "is_employee",
            "email",
        )
        labels = {
            "role": _("Role"),
            "full_name": _("Full name"),
            "identity_type": _("Identity document"),
            "cnic": _("CNIC number"),
            "is_employee": _("This person is employed by the firm"),
        }
        help_texts = {
            "cnic": _("For a Pakistani national: 13 digits, in the form 12345-1234567-1."),
            "passport_number": _("For anyone without a CNIC."),
        }
        widgets = {
            "identity_type": forms.RadioSelect,
            "cnic": forms.TextInput(attrs={"class": "ltr-value input--short", "spellcheck": "false"}),
            "passport_number": forms.TextInput(
                attrs={"class": "ltr-value input--short", "spellcheck": "false"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cnic"].required = False
        self.fields["passport_number"].required = False
        # A radio list without a blank choice.
        self.fields["identity_type"].choices = IdentityType.choices
        self.fields["is_employee"].help_text = _(
            "The MLRO must be an employee of the firm: the role may not be outsourced."
        )

    def clean_cnic(self):
        value = (self.cleaned_data.get("cnic") or "").strip()
        if _CNIC_DIGITS.match(value):  # typed without hyphens: put them in
            value = f"{value[:5]}-{value[5:12]}-{value[12]}"
        return value


class BeneficialOwnerForm(_RuleForm):
    rules = staticmethod(owner_errors)
    conditional_fields = ("date_of_birth",)
    rule_fields = ("kind", "ownership_percent", "date_of_birth")

    country = _country_field(_("Nationality or country of incorporation"))
    ownership_percent = forms.DecimalField(
        label=_("Ownership (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("More than 10 and at most 100, e.g. 25.50. Only owners above 10 % are listed."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "ltr-value input--short"}),
    )
    date_of_birth = _date_field(_("Date of birth (natural persons only)"), required=False)
    identity_number = forms.CharField(
        label=_("CNIC, passport or company registration number"),
        max_length=40,
        widget=forms.TextInput(attrs={"class": "ltr-value input--short", "spellcheck": "false"}),
    )

    class Meta:
        model = BeneficialOwner
        fields = ("kind", "name", "country", "ownership_percent", "date_of_birth", "identity_number")
        labels = {"kind": _("Type of owner"), "name": _("Full name or company name")}
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = OwnerKind.choices
