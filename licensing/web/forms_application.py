"""The questions of each application section that is answered on one page.

A section form is bound in one of two modes. "Save and mark as complete" validates it in
full: every field declared `required` must be answered, and the form's completion rules
must hold. "Save as draft" validates only the format of what was typed (a date must be a
date, an amount a number), so partial answers can be kept; fields that fail keep their
earlier saved value. Answers are stored as JSON in `Application.sections[key]["data"]`:
dates as ISO strings, amounts as decimal strings (never floats), choices as codes.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from licensing.models import Activity
from licensing.validators import refuse_lone_surrogates
from portal.dates import local_today
from portal.form_dates import date_field, date_hint
from portal.money import format_money

CURRENCIES = [("PKR", _("Pakistani rupees (PKR)")), ("USD", _("US dollars (USD)"))]
MAX_TEXT = 5000


def long_text(label, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def past_date(label, help_text=""):
    return date_field(label, help_text=help_text or date_hint("31/12/2024"), validators=[not_in_future])


def money(label, help_text=""):
    return forms.DecimalField(
        label=label,
        help_text=help_text or _("Digits only, with up to 2 decimal places, e.g. 250000000.00"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "ltr-value input--short"}),
    )


def not_in_future(value):
    if value and value > local_today():
        raise forms.ValidationError(_("The date must be today or in the past."))


company_number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9/-]{2,49}$",
    _("Enter the company number as registered with the SECP: letters, digits, hyphens or slashes."),
)


class SectionForm(forms.Form):
    """Base of the one-page sections. Subclasses declare fields, `money_fields` (amount
    field → currency field) for the summary, and `ltr_fields` (identifiers, amounts)."""

    use_required_attribute = False  # "Save as draft" must be able to send blanks.
    money_fields: dict[str, str] = {}
    ltr_fields: tuple[str, ...] = ()
    conditional_fields: tuple[str, ...] = ()

    def __init__(self, *args, application=None, completing=False, **kwargs):
        self.application = application
        self.completing = completing
        super().__init__(*args, **kwargs)
        plain_required_messages(self)
        refuse_lone_surrogates(self)

    def full_clean(self):
        if self.completing:
            return super().full_clean()
        # A draft: nothing is required, but whatever was typed must still be well formed.
        required = {name: field.required for name, field in self.fields.items()}
        for field in self.fields.values():
            field.required = False
        try:
            super().full_clean()
        finally:
            for name, field in self.fields.items():
                field.required = required[name]

    def to_data(self) -> dict:
        """The valid answers as JSON-safe values (invalid fields are left out)."""
        return {name: to_json(value) for name, value in self.cleaned_data.items()}

    def summary_rows(self, data: dict) -> list[dict]:
        """(label, value) rows for "check your answers"; `self` may be unbound."""
        rows = []
        currency_fields = set(self.money_fields.values())
        for name, field in self.fields.items():
            if name in currency_fields:
                continue
            value = data.get(name)
            if name in self.money_fields:
                shown = format_money(value, data.get(self.money_fields[name]))
            else:
                shown = display_value(field, value)
            rows.append(
                {
                    "field": name,
                    "label": field.label,
                    "value": shown,
                    "ltr": name in self.ltr_fields,  # an amount reads in its language's order
                }
            )
        return rows


def plain_required_messages(form) -> None:
    """Say what to do when a required answer is missing, rather than "This field is required"."""
    for field in form.fields.values():
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            message = _("Select at least one.")
        elif isinstance(field, forms.BooleanField):
            message = _("Tick the box to confirm.")
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            message = _("Select one.")
        else:
            message = _("Answer this question.")
        field.error_messages = {**field.error_messages, "required": message}


def to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "model") and hasattr(value, "values_list"):  # a queryset of activities
        return sorted(value.values_list("code", flat=True))
    if isinstance(value, list | tuple):
        return list(value)
    return value


def display_value(field, value) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, forms.ModelMultipleChoiceField):
        names = dict(field.queryset.values_list(field.to_field_name or "pk", "name"))
        return "\n".join(str(names.get(v, v)) for v in value)
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return "\n".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(field, forms.DateField):
        try:
            return date_format(datetime.date.fromisoformat(value), "j F Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# --- NOC application sections.

CUSTOMER_TYPES = [
    ("retail", _("Retail customers")),
    ("professional", _("Professional investors")),
    ("institutional", _("Institutions and corporates")),
]


class ServicesForm(SectionForm):
    activities = forms.ModelMultipleChoiceField(
        label=_("Which activities do you propose to carry on in Pakistan?"),
        queryset=Activity.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply."),
    )
    services_description = long_text(
        _("Describe the services"),
        _("What you will offer, to whom, and how: the products, the platforms, the assets traded."),
    )
    customer_types = forms.MultipleChoiceField(
        label=_("Who will your customers be?"),
        choices=CUSTOMER_TYPES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply."),
    )
    target_customers = long_text(
        _("Describe your target customers"),
        _("For example: where they are, how you will reach them, any customers you will not accept."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        app = self.application
        if app is not None and app.call_id:
            # Under a call, only the activities the call is for can be chosen.
            self.fields["activities"].queryset = app.call.eligible_activities.filter(is_active=True)


class LicencesElsewhereForm(SectionForm):
    """The licences themselves are kept on the firm profile; here the applicant confirms
    the list is complete. The confirmed list is stored with the answer."""

    confirmed = forms.BooleanField(
        label=_(
            "I confirm that the licences listed are all the licences and registrations the firm "
            "holds from other regulators"
        ),
    )

    def __init__(self, *args, licences=None, **kwargs):
        super().__init__(*args, **kwargs)
        if licences is None:
            licences = list(self.application.firm.foreign_licences.all()) if self.application else []
        self.licences = licences

    def clean(self):
        cleaned = super().clean()
        if self.completing and not self.licences:
            raise forms.ValidationError(
                _("Add at least one licence held elsewhere on your firm profile, then confirm the list here.")
            )
        return cleaned

    def to_data(self) -> dict:
        data = super().to_data()
        data["licences"] = [
            {
                "regulator": lic.regulator,
                "jurisdiction": str(lic.jurisdiction),
                "licence_number": lic.licence_number,
                "activity": lic.activity,
            }
            for lic in self.licences
        ]
        return data


class AmlProgrammeForm(SectionForm):
    policy_summary = long_text(
        _("Summary of your AML/CFT policy"),
        _("Who approved it, when it was last reviewed, and what it covers."),
    )
    risk_assessment = long_text(
        _("How you assess money-laundering and terrorist-financing risk"),
        _("Your business-wide risk assessment and how you rate customers."),
    )
    customer_due_diligence = long_text(
        _("Customer due diligence"),
        _("How you identify and verify customers, and when you apply enhanced due diligence."),
    )
    transaction_monitoring = long_text(
        _("Transaction monitoring"),
        _("Name the tools you use (including blockchain analytics) and how alerts are handled."),
    )
    record_keeping = long_text(
        _("Record keeping"),
        _("What records you keep, where, and for how long (at least the legal minimum)."),
    )
    sanctions_screening = long_text(
        _("Sanctions screening"),
        _("The lists you screen against, how often, and the tools you use."),
    )


class AmlProgrammeFinalForm(AmlProgrammeForm):
    mlro_name = forms.CharField(
        label=_("Money Laundering Reporting Officer (MLRO)"),
        max_length=200,
        help_text=_("As on your AML registration."),
    )
    compliance_officer_name = forms.CharField(
        label=_("Compliance Officer"),
        max_length=200,
        help_text=_("As on your AML registration."),
    )
    goaml_org_id = forms.CharField(
        label=_("goAML organisation ID"),
        max_length=50,
        help_text=_("The ID the Financial Monitoring Unit's goAML system gave your firm."),
        widget=forms.TextInput(attrs={"class": "ltr-value input--short", "spellcheck": "false"}),
    )
    ltr_fields = ("goaml_org_id",)
    board_approved_on = past_date(
        _("Date the board approved the final programme"),
    )
    changes_since_noc = long_text(
        _("Changes since your NOC application"),
        _("What changed in the programme, and why. Write “None” if nothing changed."),
    )


class TechnologyForm(SectionForm):
    systems = long_text(
        _("Trading and core systems"),
        _("The systems you will run, who built them, where they are hosted."),
    )
    custody_arrangements = long_text(
        _("Custody arrangements"),
        _("How customers' assets are held: hot and cold wallets, key management, any custodian."),
    )
    cyber_security = long_text(
        _("Cyber security"),
        _("Your security controls and any certifications (for example ISO/IEC 27001)."),
    )
    audits = long_text(
        _("Audits of your systems"),
        _("Independent audits and penetration tests: who carried them out and when."),
    )
    incident_response = long_text(
        _("Incident response"),
        _("How you detect, handle and report incidents, including to the regulator."),
    )


class BusinessPlanForm(SectionForm):
    money_fields = {"capital_amount": "capital_currency"}
    ltr_fields = ("projected_customers",)

    products = long_text(_("Products you will offer in Pakistan"))
    target_market = long_text(_("Your target market"))
    projected_customers = forms.IntegerField(
        label=_("Customers you expect after three years"),
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "ltr-value input--short"}),
    )
    capital_amount = money(_("Capital you will commit to the business in Pakistan"))
    capital_currency = forms.ChoiceField(
        label=_("Currency of the capital"), choices=CURRENCIES, widget=forms.RadioSelect
    )
    local_presence = long_text(
        _("Local presence"),
        _("Your office, staff and management in Pakistan, now and planned."),
    )


# --- Full licence application sections.


class IncorporationForm(SectionForm):
    ltr_fields = ("local_company_number",)

    local_company_number = forms.CharField(
        label=_("Company registration number (SECP)"),
        max_length=50,
        validators=[company_number_validator],
        widget=forms.TextInput(attrs={"class": "ltr-value input--short", "spellcheck": "false"}),
    )
    incorporation_date = past_date(_("Date of incorporation in Pakistan"))
    registered_office = forms.CharField(
        label=_("Registered office in Pakistan"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CapitalForm(SectionForm):
    money_fields = {"paid_up_capital": "currency"}

    paid_up_capital = money(_("Paid-up capital"))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=forms.RadioSelect)
    source_of_funds = long_text(
        _("Source of the funds"),
        _("Where the capital came from: shareholders, retained earnings, loans."),
    )


AUDIT_OPINIONS = [
    ("unmodified", _("Unmodified (clean)")),
    ("qualified", _("Qualified")),
    ("adverse", _("Adverse")),
    ("disclaimer", _("Disclaimer of opinion")),
]


class FinancialsForm(SectionForm):
    last_audited_year_end = past_date(_("End of the last audited financial year"))
    auditor = forms.CharField(label=_("Name of the auditor"), max_length=200)
    audit_opinion = forms.ChoiceField(
        label=_("The auditor's opinion"), choices=AUDIT_OPINIONS, widget=forms.RadioSelect
    )


class TechnologyAuditForm(SectionForm):
    auditor = forms.CharField(label=_("Who carried out the technology and security audit"), max_length=200)
    audit_date = past_date(_("Date of the audit report"))
    findings_summary = long_text(
        _("Summary of the findings"),
        _("The main findings, their severity, and what you have fixed or will fix by when."),
    )
