"""The small forms on the admin's confirmation pages, one per kind of input a service needs.

Field names are the services' keyword names, so `cleaned_data` is passed on as is and a
service's field errors land next to the right field.
"""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models.applications import DecisionOutcome, RecommendationOutcome
from licensing.web.forms_firm import TradingNamesField

_TEXTAREA = {"rows": 4, "cols": 60}


class LinesField(forms.CharField):
    """A textarea whose value is the list of its non-empty lines."""

    widget = forms.Textarea(attrs=_TEXTAREA)

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ConfirmForm(forms.Form):
    """No inputs: the page itself asks for confirmation (the service takes no reason)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Recorded in the audit trail with your name and the time."),
    )


class SubmitForm(forms.Form):
    declaration = forms.BooleanField(
        label=_("The declaration is signed"),
        help_text=_("Only a submitter of the firm may submit and sign the declaration."),
    )


class InformationRequestForm(forms.Form):
    items = LinesField(label=_("Items the firm must provide"), help_text=_("One item per line."))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=AdminDateWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].help_text = gettext("Leave empty for the default of %(days)d days.") % {
            "days": settings.PORTAL_INFORMATION_REQUEST_DAYS
        }


class AnswerForm(forms.Form):
    response = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs=_TEXTAREA))


class RecommendForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Recommendation"), choices=RecommendationOutcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=_TEXTAREA))
    proposed_conditions = forms.CharField(
        label=_("Proposed conditions"), required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs=_TEXTAREA))
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Leave empty to keep the conditions the officer proposed."),
    )

    def clean_conditions(self):
        return self.cleaned_data["conditions"].strip() or None


class FirmAdminForm(forms.ModelForm):
    """The firm's add form: trading names one per line, never as raw JSON. On an existing firm
    the identity, trading names included, is read-only (changed by request, licensing.admin)."""

    trading_names = TradingNamesField(
        label=_("Trading names"),
        required=False,
        help_text=_("The names the firm does business under, one per line."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["trading_names"]
