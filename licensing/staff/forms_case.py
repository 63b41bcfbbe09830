"""Forms of the staff case page and its action pages.

They check shape only; the rules (who may, in which state) live in the service functions,
whose errors the views put next to the right field. Every action form carries the state the
person saw (`expected_status`, hidden) so that a change made meanwhile by someone else is
reported as "This case changed" instead of being acted on blindly. Field names are the
services' keyword names; `service_kwargs()` is what the service is called with.
"""

import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models import Activity, ApplicationKind
from licensing.models.applications import DecisionOutcome, RecommendationOutcome
from portal.dates import local_today, long_date
from portal.form_dates import date_field as day_month_year_field
from portal.form_dates import date_hint

_TEXTAREA = {"rows": 5}


def date_field(label, help_text=""):
    return day_month_year_field(label, help_text=help_text or date_hint("31/12/2025"))


class LinesField(forms.CharField):
    """A textarea whose value is the list of its non-empty lines."""

    widget = forms.Textarea(attrs=_TEXTAREA)

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ActionForm(forms.Form):
    """Base of every action form: the state shown when the form was rendered, and, for
    irreversible actions, a confirmation the person must tick."""

    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_label = _("I confirm: this cannot be undone from this page.")

    def __init__(self, *args, obj=None, irreversible=False, **kwargs):
        self.obj = obj
        super().__init__(*args, **kwargs)
        if irreversible:
            self.fields["confirm"] = forms.BooleanField(
                label=self.confirm_label,
                required=True,
                error_messages={"required": _("Tick the box to confirm.")},
            )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("expected_status", None)
        data.pop("confirm", None)
        return data


class ConfirmOnlyForm(ActionForm):
    """No inputs beyond the hidden state: the page says what will happen."""


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Recorded in the audit trail with your name and the time."),
        error_messages={"required": _("Give a reason.")},
    )


class InformationRequestForm(ActionForm):
    items = LinesField(
        label=_("What the firm must provide"),
        help_text=_("One item per line. The firm sees these exactly as written."),
        error_messages={"required": _("Add at least one item.")},
    )
    due_on = date_field(_("Answer by"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = local_today() + datetime.timedelta(days=settings.PORTAL_INFORMATION_REQUEST_DAYS)
        self.fields["due_on"].initial = default
        self.fields["due_on"].help_text = gettext(
            "The default is %(days)d days from today. The decision clock stops while the request is open."
        ) % {"days": settings.PORTAL_INFORMATION_REQUEST_DAYS}


class InformationRequestExtendForm(ActionForm):
    due_on = date_field(_("New due date"))
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Recorded in the audit trail with your name and the time."),
        error_messages={"required": _("Give a reason.")},
    )

    def __init__(self, *args, current_due_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_due_on = current_due_on
        if current_due_on:
            self.fields["due_on"].help_text = gettext(
                "It must be later than the current due date, %(date)s."
            ) % {"date": long_date(current_due_on)}

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if self.current_due_on and due_on <= self.current_due_on:
            raise forms.ValidationError(
                _("Choose a date after the current due date, %(date)s."),
                params={"date": long_date(self.current_due_on)},
            )
        return due_on


class InformationRequestCloseForm(ReasonForm):
    confirm_label = _("I confirm: the firm will no longer be asked to answer this request.")


class RecommendForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Your recommendation"),
        choices=[(RecommendationOutcome.GRANT, _("Grant")), (RecommendationOutcome.REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Recommend grant or refuse.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("The approver reads these. They are not shown to the firm."),
        error_messages={"required": _("Give your reasons.")},
    )
    proposed_conditions = forms.CharField(
        label=_("Proposed conditions"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Conditions you propose for the NOC or licence, if granted."),
    )


class DecideForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            (DecisionOutcome.GRANT, _("Grant")),
            (DecisionOutcome.REFUSE, _("Refuse")),
            (DecisionOutcome.SEND_BACK, _("Send back to the officer")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose grant, refuse or send back.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Recorded with the decision and in the audit trail."),
        error_messages={"required": _("Give your reasons.")},
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Filled in with the conditions the officer proposed. Used only for a grant."),
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        min_value=1,
        max_value=120,
        widget=forms.NumberInput(attrs={"class": "input--short"}),
        error_messages={"required": _("Give the validity in months.")},
    )
    permitted_activities = forms.ModelMultipleChoiceField(
        label=_("Permitted activities"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Filled in with the activities the firm applied for. Used only for a grant."),
    )
    confirm_label = _("I confirm: a grant or a refusal takes effect at once and is recorded as final.")

    def __init__(self, *args, obj=None, recommendation=None, **kwargs):
        super().__init__(*args, obj=obj, irreversible=True, **kwargs)
        # Sending back is not final: the confirmation is asked only for a grant or refusal.
        self.fields["confirm"].required = False
        is_licence = obj is not None and obj.kind == ApplicationKind.LICENCE
        self.fields["validity_months"].initial = (
            settings.PORTAL_LICENCE_VALIDITY_MONTHS if is_licence else settings.PORTAL_NOC_VALIDITY_MONTHS
        )
        if recommendation is not None:
            self.fields["conditions"].initial = recommendation.proposed_conditions
        if is_licence:
            self.fields["permitted_activities"].queryset = Activity.objects.filter(is_active=True)
            self.fields["permitted_activities"].initial = [a.pk for a in obj.activities.all()]
        else:
            del self.fields["permitted_activities"]
            self.fields["validity_months"].label = _("NOC valid for (months)")
        grant = _("Grant the licence") if is_licence else _("Grant the NOC")
        self.fields["outcome"].choices = [(DecisionOutcome.GRANT, grant), *self.fields["outcome"].choices[1:]]

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome in (DecisionOutcome.GRANT, DecisionOutcome.REFUSE) and not cleaned.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm a grant or a refusal."))
        if (
            outcome == DecisionOutcome.GRANT
            and "permitted_activities" in self.fields
            and not cleaned.get("permitted_activities")
        ):
            self.add_error("permitted_activities", _("Choose at least one permitted activity."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        activities = data.pop("permitted_activities", None)
        if activities is not None:
            data["permitted_activity_ids"] = [a.pk for a in activities]
        data["conditions"] = (data.get("conditions") or "").strip()
        return data


class ReverseDecisionForm(ReasonForm):
    confirm_label = _(
        "I confirm: the decision is reversed, its NOC or licence ends and the case goes back under review."
    )


class FirmReasonForm(ReasonForm):
    confirm_label = _("I confirm: the firm's stage changes at once and the public register shows it.")


# --- The two forms of the case page that must never be mistaken for each other.


class CaseNoteForm(forms.Form):
    prefix = "note"
    body = forms.CharField(
        label=_("Internal note (staff only)"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("Only regulator staff see internal notes. The firm never sees them."),
        error_messages={"required": _("Write the note.")},
    )


class FirmMessageForm(forms.Form):
    prefix = "message"
    body = forms.CharField(
        label=_("Message to the firm"),
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_("The firm's people will read this message."),
        error_messages={"required": _("Write the message.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand the firm will see this message"),
        required=True,
        error_messages={"required": _("Confirm that the firm will see this message.")},
    )
