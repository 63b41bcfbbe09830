"""Forms of the AML registration pages. They check shape only (a date is a date, an email
address looks like one); the rules of a filing live in aml.services, whose refusals the
views put next to the right field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aml.models import AmlStatus
from aml.services import ANSWER_FIELDS, EVIDENCE_TYPES
from licensing.models import Activity, FirmStage
from licensing.uploads import ACCEPT_ATTRIBUTE
from portal.form_dates import date_field, date_hint

_TEXT = {"rows": 5}


def _ltr(**attrs):
    return {"class": "ltr-value", "spellcheck": "false", **attrs}


class _Answer:
    """A question every filing answers (so it is not marked optional), which a draft may
    still leave empty: aml.services says what a filing must give."""

    def validate(self, value):
        if value in self.empty_values or value is False:
            return
        super().validate(value)


class AnswerField(_Answer, forms.CharField):
    pass


class AnswerEmailField(_Answer, forms.EmailField):
    pass


class AnswerDateField(_Answer, forms.DateField):
    pass


class AnswerBooleanField(_Answer, forms.BooleanField):
    pass


class RegistrationForm(forms.Form):
    """Every answer of the filing, plus one evidence document to upload with them.

    No answer is required here: a draft may be saved half-done, and the filing's rules
    (aml.services.answer_problems) say what a submission must have."""

    use_required_attribute = False

    goaml_org_id = AnswerField(
        label=_("goAML organisation ID"),
        max_length=50,
        help_text=_("The ID the Financial Monitoring Unit's goAML portal gave your organisation."),
        widget=forms.TextInput(attrs=_ltr(autocomplete="off")),
    )
    goaml_registered_on = date_field(
        _("Date of the goAML registration"), help_text=date_hint("15/01/2026"), field_class=AnswerDateField
    )
    compliance_officer_name = AnswerField(
        label=_("Compliance Officer's full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    compliance_officer_email = AnswerEmailField(
        label=_("Compliance Officer's email address"),
        widget=forms.EmailInput(attrs=_ltr(autocomplete="off")),
    )
    compliance_officer_is_employee = AnswerBooleanField(
        label=_("The Compliance Officer is employed by the firm")
    )
    mlro_name = AnswerField(
        label=_("MLRO's full name"),
        max_length=200,
        help_text=_(
            "The Money Laundering Reporting Officer: a different person from the Compliance Officer."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    mlro_email = AnswerEmailField(
        label=_("MLRO's email address"),
        widget=forms.EmailInput(attrs=_ltr(autocomplete="off")),
    )
    mlro_is_employee = AnswerBooleanField(
        label=_("The MLRO is employed by the firm"),
        help_text=_("The MLRO role may not be outsourced."),
    )
    aml_policy_summary = AnswerField(
        label=_("Your AML/CFT policy"),
        help_text=_("Summarise the policy and say who approved it and when. Attach the policy below."),
        widget=forms.Textarea(attrs=_TEXT),
    )
    risk_assessment = AnswerField(
        label=_("Enterprise-wide risk assessment"),
        help_text=_("How you assess money-laundering and terrorist-financing risk across the business."),
        widget=forms.Textarea(attrs=_TEXT),
    )
    cdd_arrangements = AnswerField(
        label=_("Customer due diligence"),
        help_text=_("How you identify and verify customers, and when you apply enhanced due diligence."),
        widget=forms.Textarea(attrs=_TEXT),
    )
    monitoring_tools = AnswerField(
        label=_("Transaction monitoring"),
        help_text=_("How you monitor transactions and blockchain activity. Name the tools you use."),
        widget=forms.Textarea(attrs=_TEXT),
    )
    record_keeping = AnswerField(
        label=_("Record keeping"),
        help_text=_("What records you keep, where, and for how long."),
        widget=forms.Textarea(attrs=_TEXT),
    )
    evidence_type = forms.ChoiceField(
        label=_("Type of document"),
        required=False,
        choices=[("", _("Choose a type"))] + [(t.value, t.label) for t in EVIDENCE_TYPES],
    )
    evidence_file = forms.FileField(
        label=_("File to upload"),
        required=False,
        allow_empty_file=True,  # licensing.uploads refuses it, naming the file
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    ANSWERS = ANSWER_FIELDS

    def __init__(self, *args, limit_label="", uploading=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploading = uploading
        self.fields["evidence_file"].help_text = _(
            "Identity documents of the Compliance Officer and the MLRO, your AML/CFT policy, and "
            "any other evidence. A PDF, PNG, JPEG, DOCX or XLSX file, up to %(limit)s."
        ) % {"limit": limit_label}

    def clean(self):
        cleaned = super().clean()
        file = cleaned.get("evidence_file")
        if file and not cleaned.get("evidence_type"):
            self.add_error("evidence_type", _("Choose what kind of document this is."))
        if self.uploading and not file and "evidence_file" not in self.errors:
            self.add_error("evidence_file", _("Choose a file to upload."))
        return cleaned

    def answers(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.ANSWERS}


class RegisterForm(forms.Form):
    services = forms.ModelMultipleChoiceField(
        label=_("AML-registered services the firm may offer"),
        queryset=Activity.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only services that may be offered under an AML registration are listed."),
        error_messages={"required": _("Choose at least one service.")},
    )
    reason = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=2000,
        help_text=_("Recorded in the registration's history with your decision."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Activity.objects.filter(aml_registrable=True, is_active=True)


class ReturnForm(forms.Form):
    remedial_actions = forms.CharField(
        label=_("Remedial actions"),
        help_text=_("One action the firm must take per line. The firm sees them as written."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("List at least one remedial action.")},
    )
    reason = forms.CharField(
        label=_("Reason for the record"),
        required=False,
        max_length=2000,
        help_text=_("Leave empty to record the remedial actions as the reason."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_remedial_actions(self):
        lines = [line.strip() for line in self.cleaned_data["remedial_actions"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError(_("List at least one remedial action."))
        return lines


class RegistryFilterForm(forms.Form):
    """The registry's filters (GET). An unknown value is ignored, never an error page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_(
            "Firm name, reference, LEI, goAML ID, or an MLRO's or Compliance Officer's name or email."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("AML registration status"),
        required=False,
        choices=[("", _("Any status"))] + list(AmlStatus.choices),
    )
    stage = forms.ChoiceField(
        label=_("Authorisation stage"),
        required=False,
        choices=[("", _("Any stage"))] + list(FirmStage.choices),
    )
    alerts = forms.ChoiceField(
        label=_("Open screening alerts"),
        required=False,
        choices=[("", _("Any")), ("yes", _("With open alerts")), ("no", _("Without open alerts"))],
    )

    def __init__(self, *args, show_alerts=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_alerts:
            del self.fields["alerts"]

    def filters(self) -> dict:
        """The valid filters given, as keyword arguments of registry_firms()."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
