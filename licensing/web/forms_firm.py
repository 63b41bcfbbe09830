"""Forms of the firm pages: registering a firm, its profile, licences held elsewhere, people.

The forms validate what a person typed and say exactly what is wrong; the service
functions in licensing.services.firm_admin check again and do the work. A DomainError the
service raises is put back on the form with `add_domain_error`, so the page re-renders
with everything typed still there.
"""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from licensing.models import Firm, FirmRole, ForeignLicence
from licensing.models.firms import IDENTITY_FIELDS
from licensing.services.firm_admin import PROFILE_FIELDS, REGISTRATION_FIELDS, country_code_problem
from portal.countries import countries, is_country
from portal.errors import DomainError

ROLE_HINTS = {
    FirmRole.PRINCIPAL: _("Manages the firm's people and profile, and can submit applications."),
    FirmRole.SUBMITTER: _("Edits applications, submits them and signs the declaration."),
    FirmRole.CONTRIBUTOR: _("Edits draft applications and answers information requests; cannot submit."),
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on the form: beside the field it names, else at the top."""
    placed = False
    for field, messages in (error.field_errors or {}).items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.detail)


def _country_choices():
    """Every country by name in the active language (django-countries; Urdu from CLDR)."""
    return [("", _("Choose a country")), *countries]


class CountryField(forms.ChoiceField):
    """A country, chosen by its name from a list (django-countries); the ISO 3166 two-letter
    code is what is sent and saved. A list, not a box: a box that kept two letters of what was
    typed saved "Cayman Islands" as CA (Canada). The code is also accepted in lower case."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.Select(attrs={"autocomplete": "country", "class": "country-select"})
        )
        super().__init__(choices=_country_choices, **kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip()
        return value.upper() if len(value) == 2 else value

    def validate(self, value):
        if value and not is_country(value):
            raise forms.ValidationError(country_code_problem(value), code="country")
        super().validate(value)


class TradingNamesField(forms.CharField):
    """One name per line in, a list of names out."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        names = []
        for line in text.splitlines():
            line = " ".join(line.split())
            if line and line not in names:
                names.append(line)
        return names

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def validate(self, value):
        super().validate(value)
        for name in value:
            if len(name) > 300:
                raise forms.ValidationError(_("Each trading name must be at most 300 characters."))


class FirmRegistrationForm(forms.ModelForm):
    trading_names = TradingNamesField(
        label=_("Trading names"),
        required=False,
        help_text=_("The names the firm does business under, one per line."),
    )
    incorporation_country = CountryField(
        label=_("Country of incorporation"),
        error_messages={"required": _("Choose the country of incorporation.")},
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        help_text=_("Start with https://"),
        widget=forms.URLInput(attrs={"class": "ltr-value"}),
    )

    class Meta:
        model = Firm
        fields = REGISTRATION_FIELDS
        help_texts = {
            "legal_name": _("As shown on the certificate of incorporation."),
            "lei": _(
                "The firm's Legal Entity Identifier: 20 letters and digits, ending in two check digits. "
                "Leave it blank if the firm has none."
            ),
            "registered_address": _("The registered office, as on the company register."),
            "website": _("Start with https://"),
            "contact_email": _("Where we send messages about the firm's applications."),
        }
        widgets = {
            "registered_address": forms.Textarea(attrs={"rows": 4}),
            "lei": forms.TextInput(
                attrs={"class": "ltr-value", "spellcheck": "false", "autocomplete": "off"}
            ),
            "website": forms.URLInput(attrs={"class": "ltr-value"}),
            "contact_email": forms.EmailInput(attrs={"class": "ltr-value"}),
            "contact_phone": forms.TextInput(attrs={"class": "ltr-value", "autocomplete": "tel"}),
            "incorporation_number": forms.TextInput(attrs={"class": "ltr-value"}),
        }
        error_messages = {
            "lei": {
                "unique": _("A firm with this LEI is already registered. Ask its principal to invite you.")
            },
            "legal_name": {"required": _("Enter the firm's legal name.")},
        }

    def clean_lei(self):
        value = "".join((self.cleaned_data.get("lei") or "").split()).upper()
        return value or None

    def clean_contact_email(self):
        return (self.cleaned_data.get("contact_email") or "").strip().lower()

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class FirmProfileForm(FirmRegistrationForm):
    class Meta(FirmRegistrationForm.Meta):
        fields = PROFILE_FIELDS
        help_texts = {
            **FirmRegistrationForm.Meta.help_texts,
            "local_company_number": _("After local incorporation: the SECP company registration number."),
            "ntn": _("After local incorporation: the national tax number, e.g. 1234567-8."),
        }
        widgets = {
            **FirmRegistrationForm.Meta.widgets,
            "local_company_number": forms.TextInput(attrs={"class": "ltr-value"}),
            "ntn": forms.TextInput(attrs={"class": "input--short ltr-value"}),
        }


class ProfileEditForm(FirmProfileForm):
    """The profile as its principal may change it now: every field before the firm's first
    submission; afterwards the identity fields are shown but disabled (they change through
    an identity change request) and only the contact details are taken."""

    def __init__(self, *args, editable=PROFILE_FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.editable = tuple(editable)
        for name, field in self.fields.items():
            if name not in self.editable:
                field.disabled = True
                field.required = False
                field.help_text = _("Changes only through a change request the regulator approves.")

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.editable}


class IdentityChangeForm(FirmProfileForm):
    """A principal's proposal to change the firm's identity, with the reason for it."""

    reason = forms.CharField(
        label=_("Why the change"),
        help_text=_("For example: the company changed its name on 1 March; the certificate is attached."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": _("Say why the firm's identity changes.")},
    )

    class Meta(FirmProfileForm.Meta):
        fields = IDENTITY_FIELDS
        error_messages = {
            **FirmProfileForm.Meta.error_messages,
            # The regulator checks uniqueness when it approves; an unchanged LEI is the firm's own.
            "lei": {"unique": _("Another firm already uses this LEI.")},
        }

    def validate_unique(self):
        """Uniqueness is the service's to check (the firm's own values are not a clash)."""

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in IDENTITY_FIELDS}


class ForeignLicenceForm(forms.ModelForm):
    jurisdiction = CountryField(
        label=_("Jurisdiction"),
        error_messages={"required": _("Choose the country whose regulator issued it.")},
        help_text=_("The country whose regulator issued it."),
    )

    class Meta:
        model = ForeignLicence
        fields = ("regulator", "jurisdiction", "licence_number", "activity")
        help_texts = {
            "regulator": _("For example: Dubai Virtual Assets Regulatory Authority (VARA)."),
            "activity": _("What the licence allows, for example: virtual-asset exchange, custody."),
        }
        widgets = {"licence_number": forms.TextInput(attrs={"class": "ltr-value"})}
        error_messages = {
            "regulator": {"required": _("Enter the name of the regulator that issued the licence.")},
            "licence_number": {"required": _("Enter the licence or registration number.")},
            "activity": {"required": _("Enter what the licence allows the firm to do.")},
        }


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("They must sign in with this address to accept."),
        widget=forms.EmailInput(attrs={"class": "ltr-value", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (value, format_lazy("{} — {}", label, ROLE_HINTS[value])) for value, label in FirmRole.choices
        ],
        initial=FirmRole.CONTRIBUTOR,
        widget=forms.RadioSelect,
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=FirmRole.choices, widget=forms.Select(attrs={"class": "select--auto"})
    )


class RemoveMemberForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Kept in the firm's activity record."),
        widget=forms.TextInput,
    )
